import { text } from 'node:stream/consumers';
import { signingKeyOf } from '../cache/index.ts';
import type { CacheUpstreams } from '../config/index.ts';
import type { CacheRecord } from '../index/index.ts';
import { fingerprintPath, parseNarInfo, serializeNarInfo, signDetached } from '../nix/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { UpstreamLookup } from './lookup.ts';
import { upstreamNarUrl } from './pull.ts';

/** Where a redirect narinfo is kept: in blob storage, not the index, so it takes no quota. */
const redirectKey = (cache: string, hashPart: string) => `upstream/${cache}/${hashPart}.narinfo`;

/**
 * `pull_through = "redirect"`: the upstream's narinfo, kept (the upstream URL and text as
 * received, verified) and served signed by this cache with an absolute `URL:` pointing at
 * the upstream's NAR. Nix's HttpBinaryCacheStore fetches absolute URLs as they are
 * (`makeRequest` in http-binary-cache-store.cc), so no NAR byte passes through larder.
 * Kept in blob storage rather than the index: no quota, no retention, no closure check
 * (each reference is looked up the same way when Nix asks for it). A stored answer is
 * verified again on every read, so removing an upstream or changing its key takes effect.
 */
export async function redirectNarInfo(
  deps: { storage: BlobStore; storeDir: string },
  lookup: UpstreamLookup,
  cache: CacheRecord,
  ups: CacheUpstreams,
  hashPart: string,
): Promise<Buffer | undefined> {
  const key = redirectKey(cache.name, hashPart);
  const kept = await deps.storage.get(key);
  let hit: Awaited<ReturnType<UpstreamLookup['find']>>;
  if (kept) {
    const saved = JSON.parse(await text(kept.stream)) as { upstream: string; narinfo: string };
    const upstream = ups.upstreams.find((u) => u.url === saved.upstream);
    const info = upstream && parseNarInfo(saved.narinfo, deps.storeDir);
    hit = upstream && info && lookup.verify(upstream, info) ? { upstream, info } : undefined;
  }
  if (!hit) {
    hit = await lookup.find(ups.upstreams, hashPart);
    if (!hit) return undefined;
    const w = await deps.storage.createWriter(key);
    w.stream.end(
      JSON.stringify({
        upstream: hit.upstream.url,
        narinfo: serializeNarInfo(hit.info, deps.storeDir),
      }),
    );
    await w.commit();
  }
  const { info } = hit;
  const fp = fingerprintPath(
    info.storePath,
    info.narHash,
    info.narSize,
    info.references.map((r) => `${deps.storeDir}/${r}`),
  );
  const own = signDetached(signingKeyOf(cache), fp);
  const rendered = serializeNarInfo(
    { ...info, url: upstreamNarUrl(hit), sigs: [...new Set([...info.sigs, own])].sort() },
    deps.storeDir,
  );
  return Buffer.from(rendered);
}
