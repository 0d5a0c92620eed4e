import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { acceptNarInfo, ingestNar, narUrl, parseNarFileName } from '../cache/index.ts';
import type { CacheUpstreams, Config } from '../config/index.ts';
import type { CacheRecord, MetadataIndex, PathRecord } from '../index/index.ts';
import { decodeBase32, formatHash, type NarInfo, serializeNarInfo } from '../nix/index.ts';
import { admit } from '../retention/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { Logger } from '../util/log.ts';
import { Semaphore } from '../util/semaphore.ts';
import type { UpstreamHit, UpstreamLookup } from './lookup.ts';

export interface PullDeps {
  config: Config;
  storage: BlobStore;
  index: MetadataIndex;
  logger: Logger;
  now: () => number;
}

/** The NAR file's absolute URL: narinfo URLs are relative to the cache that served them. */
export const upstreamNarUrl = (hit: UpstreamHit) =>
  /^https?:\/\//.test(hit.info.url) ? hit.info.url : `${hit.upstream.url}/${hit.info.url}`;

/**
 * Pull-through (`pull_through = true`): fetches a path the cache lacks from the first
 * upstream that has it signed, with its whole closure first, because the index only takes
 * a path whose references are present (the invariant every narinfo this cache serves
 * keeps). The NAR goes through the same ingest as a push, so its file hash and NAR hash
 * are checked while it streams; the path is stored as tier 3, signed by this cache.
 * Concurrent misses for one path share one fetch.
 */
export class PullThrough {
  private readonly inFlight = new Map<string, Promise<PathRecord | undefined>>();
  /** NAR downloads (pull) or upstream requests (lookup) in flight at once. */
  private readonly slots: Semaphore;

  private readonly lookup: UpstreamLookup;
  private readonly timeoutMs: number;

  constructor(lookup: UpstreamLookup, concurrency = 4, timeoutMs = 60_000) {
    this.lookup = lookup;
    this.slots = new Semaphore(concurrency);
    this.timeoutMs = timeoutMs;
  }

  pull(
    deps: PullDeps,
    cache: CacheRecord,
    ups: CacheUpstreams,
    hashPart: string,
  ): Promise<PathRecord | undefined> {
    const key = `${cache.name}/${hashPart}`;
    let p = this.inFlight.get(key);
    if (!p) {
      p = this.pullOnce(deps, cache, ups, hashPart).catch((err: Error) => {
        deps.logger.warn(`pull-through of ${hashPart} into ${cache.name} failed`, {
          error: err.message,
        });
        return undefined;
      });
      p.finally(() => this.inFlight.delete(key)).catch(() => {});
      this.inFlight.set(key, p);
    }
    return p;
  }

  private async pullOnce(
    deps: PullDeps,
    cache: CacheRecord,
    ups: CacheUpstreams,
    hashPart: string,
  ): Promise<PathRecord | undefined> {
    const have = await deps.index.getPath(cache.name, hashPart);
    if (have) return have;
    const hit = await this.lookup.find(ups.upstreams, hashPart);
    if (!hit) return undefined;
    const { info, upstream } = hit;
    if (info.narHash.algo !== 'sha256') {
      deps.logger.warn(`not pulling ${info.storePath} from ${upstream.url}: NarHash is not sha256`);
      return undefined;
    }
    // No cycles to fear: store paths only refer to themselves or to paths made before them.
    const refs = info.references.filter((r) => r.slice(0, 32) !== hashPart);
    const got = await Promise.all(refs.map((r) => this.pull(deps, cache, ups, r.slice(0, 32))));
    const absent = refs.filter((_, i) => !got[i]);
    if (absent.length > 0) {
      deps.logger.warn(
        `not pulling ${info.storePath} from ${upstream.url}: its references ${absent.join(', ')} could not be pulled`,
      );
      return undefined;
    }
    const url = upstreamNarUrl(hit);
    const name = url.slice(url.lastIndexOf('/') + 1);
    const nar = await this.slots.run(async () => {
      // No overall deadline (a NAR may take an hour), but an upstream silent for longer
      // than the timeout, before the headers or between two chunks, is given up on.
      const ctl = new AbortController();
      let timer = setTimeout(() => ctl.abort(new Error('upstream went silent')), this.timeoutMs);
      const alive = () => {
        clearTimeout(timer);
        timer = setTimeout(() => ctl.abort(new Error('upstream went silent')), this.timeoutMs);
      };
      try {
        const res = await fetch(url, { signal: ctl.signal });
        if (!res.ok || !res.body) {
          await res.body?.cancel();
          throw new Error(`${url} answered HTTP ${res.status}`);
        }
        const body = new PassThrough({
          transform(chunk, _enc, done) {
            alive();
            done(null, chunk);
          },
        });
        // pipeline, not pipe: a reset connection must fail the ingest, not leave it waiting.
        pipeline(Readable.fromWeb(res.body as WebStream), body).catch(() => {});
        const declared = res.headers.get('content-length');
        return await this.ingest(deps, cache.name, info, name, body, declared, ctl.signal);
      } finally {
        clearTimeout(timer);
      }
    });
    // The upstream's NarHash, NarSize and references (what its signature covers) must
    // match the bytes just verified: acceptNarInfo checks them against the ingested NAR.
    const text = serializeNarInfo(
      {
        ...info,
        url: narUrl(nar.nar),
        compression: nar.nar.compression,
        fileHash: { algo: 'sha256', digest: decodeBase32(nar.nar.fileHash) },
        fileSize: nar.nar.fileSize,
      },
      deps.config.storeDir,
    );
    const { record } = await acceptNarInfo(
      {
        index: deps.index,
        storeDir: deps.config.storeDir,
        now: deps.now,
        admit: (incoming) => admit(deps, cache, incoming),
      },
      cache,
      hashPart,
      text,
      { tier: 3 },
    );
    deps.logger.info(`pulled ${record.baseName} from ${upstream.url} into ${cache.name}`);
    return record;
  }

  /** Streams the NAR through the push ingest, which checks hashes before keeping anything. */
  private ingest(
    deps: PullDeps,
    cache: string,
    info: NarInfo,
    name: string,
    body: Readable,
    declared: string | null,
    signal: AbortSignal,
  ) {
    return ingestNar(deps, {
      cache,
      fileName: parseNarFileName(name) ? name : undefined,
      compression: info.compression,
      body,
      declaredSize: declared === null ? undefined : Number(declared),
      maxSize: deps.config.maxNarSize,
      signal,
      // Nothing is kept unless the bytes are what the upstream's signature vouches for.
      expect: {
        narHash: formatHash(info.narHash, 'base32').slice('sha256:'.length),
        narSize: info.narSize,
      },
    });
  }
}
