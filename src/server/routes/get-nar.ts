import type { Writable } from 'node:stream';
import { parseNarFileName } from '../../cache/index.ts';
import type { CacheRecord, NarRecord } from '../../index/index.ts';
import { type BlobRead, copyStream } from '../../storage/index.ts';
import { notFound, rangeNotSatisfiable } from '../../util/http-error.ts';
import { cacheOf, type Deps, defineRoute } from '../context.ts';
import { parseRange } from '../range.ts';
import { CACHE, route } from './patterns.ts';

const NAR_TYPE = 'application/x-nix-nar';

/**
 * A NAR file, streamed from storage. Served with `Accept-Ranges` and without
 * `Content-Encoding`, the two conditions under which Nix resumes a broken download.
 */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/nar/(?<file>[0-9a-z]{52}\\.nar(?:\\.[a-z0-9]+)?)`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const nar = await find(ctx.deps, cache, ctx.params.file as string);
    if (!nar) throw notFound(`nar/${ctx.params.file} is not in cache ${cache.name}`);
    const range = parseRange(ctx.req.headers.range, nar.fileSize);
    if (range === 'unsatisfiable') throw rangeNotSatisfiable(nar.fileSize);
    const length = lengthOf(nar.fileSize, range);
    const headers = {
      ...narHeaders(cache, nar.fileSize, range),
      'content-type': NAR_TYPE,
      'content-length': length,
    };
    if (ctx.req.method === 'HEAD') {
      ctx.res.writeHead(range ? 206 : 200, headers);
      ctx.res.end();
      return;
    }
    const blob = await ctx.deps.storage.get(nar.key, {
      signal: ctx.signal,
      start: range?.start,
      end: range?.end,
    });
    if (!blob) throw notFound(`nar/${ctx.params.file} is missing from storage`);
    ctx.res.writeHead(range ? 206 : 200, headers);
    await send(blob, ctx.res);
    ctx.res.end();
    served(ctx.deps, cache, nar, length);
  },
  async fast(ctx) {
    // Misses, bad ranges and missing files are the full route's to answer and log.
    const cache = ctx.cache as CacheRecord;
    const nar = await find(ctx.deps, cache, ctx.params.file as string);
    const range = nar && parseRange(ctx.range, nar.fileSize);
    if (!nar || range === 'unsatisfiable') return undefined;
    const headers = narHeaders(cache, nar.fileSize, range);
    const length = lengthOf(nar.fileSize, range);
    const status = range ? 206 : 200;
    if (ctx.method === 'HEAD')
      return { status, contentType: NAR_TYPE, headers, body: empty(length) };
    const blob = await ctx.deps.storage.get(nar.key, { start: range?.start, end: range?.end });
    if (!blob) return undefined;
    return {
      status,
      contentType: NAR_TYPE,
      headers,
      body: {
        length,
        async write(socket: Writable) {
          await send(blob, socket);
          served(ctx.deps, cache, nar, length);
        },
      },
    };
  },
});

async function find(deps: Deps, cache: CacheRecord, file: string): Promise<NarRecord | undefined> {
  const parsed = parseNarFileName(file);
  const nar = parsed && (await deps.index.getCacheNar(cache.name, parsed.fileHash));
  return nar && nar.compression === parsed.compression ? nar : undefined;
}

function narHeaders(
  cache: CacheRecord,
  size: number,
  range: { start: number; end: number } | undefined,
): Record<string, string | number> {
  return {
    'accept-ranges': 'bytes',
    // The name is the content's hash: the bytes behind this URL can never change.
    'cache-control': `${cache.public ? 'public' : 'private'}, max-age=31536000, immutable`,
    ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  };
}

const lengthOf = (size: number, range: { start: number; end: number } | undefined): number =>
  range ? range.end - range.start + 1 : size;

const send = (blob: BlobRead, dest: Writable): Promise<void> =>
  blob.pipeTo ? blob.pipeTo(dest) : copyStream(blob.stream, dest);

function served(deps: Deps, cache: CacheRecord, nar: NarRecord, bytes: number): void {
  deps.metrics.inc(
    'larder_nar_bytes_served_total',
    'NAR bytes sent to clients.',
    { cache: cache.name },
    bytes,
  );
  deps.usage.nar(cache.name, nar.fileHash, bytes);
}

/** A HEAD answer's body: its length only. */
const empty = (length: number) => ({ length, write: async () => {} });
