import { renderNarInfo } from '../cache/index.ts';
import type { Config } from '../config/index.ts';
import type { CacheRecord } from '../index/index.ts';
import { parseNarInfo } from '../nix/index.ts';
import type { Logger } from '../util/log.ts';
import { UpstreamLookup } from './lookup.ts';
import { type PullDeps, PullThrough } from './pull.ts';
import { redirectNarInfo } from './redirect.ts';

export interface UpstreamDeps {
  config: Config;
  logger: Logger;
}

const services = new WeakMap<Config, { lookup: UpstreamLookup; pull: PullThrough }>();

/**
 * The process's upstream lookup and pull-through, one per configuration: answers and
 * in-flight fetches are shared by every request, without a field every Deps must fill.
 */
export function upstreamsOf(deps: UpstreamDeps): { lookup: UpstreamLookup; pull: PullThrough } {
  let s = services.get(deps.config);
  if (!s) {
    const lookup = new UpstreamLookup({ storeDir: deps.config.storeDir, logger: deps.logger });
    s = { lookup, pull: new PullThrough(lookup) };
    services.set(deps.config, s);
  }
  return s;
}

/** Of these hash parts, those an upstream of the cache has with a valid signature. */
export async function onUpstream(
  deps: UpstreamDeps,
  cache: CacheRecord,
  hashParts: string[],
): Promise<string[]> {
  const ups = deps.config.upstreams[cache.name];
  if (!ups || hashParts.length === 0) return [];
  const { lookup } = upstreamsOf(deps);
  // The lookup bounds requests in flight; an unreachable upstream answers "not there".
  const found = await Promise.all(hashParts.map((h) => lookup.find(ups.upstreams, h)));
  return hashParts.filter((_, i) => found[i]);
}

/**
 * A narinfo for a path the cache lacks, from its upstreams when `pull_through` is set:
 * pulled and stored (true) or kept as a redirect (`"redirect"`); undefined otherwise.
 */
export async function narInfoFromUpstream(
  deps: UpstreamDeps & PullDeps,
  cache: CacheRecord,
  hashPart: string,
): Promise<Buffer | undefined> {
  const ups = deps.config.upstreams[cache.name];
  if (!ups?.pullThrough) return undefined;
  const s = upstreamsOf(deps);
  if (ups.pullThrough === 'redirect')
    return redirectNarInfo(
      { storage: deps.storage, storeDir: deps.config.storeDir },
      s.lookup,
      cache,
      ups,
      hashPart,
    );
  const rec = await s.pull.pull(deps, cache, ups, hashPart);
  return rec && renderNarInfo(rec, deps.config.storeDir);
}

/**
 * With `pull_through = true`, pulls the references of an uploaded narinfo that the cache
 * lacks and an upstream has, so a push may skip every upstream path. Anything that cannot
 * be pulled stays missing, and the narinfo's own check names it.
 */
export async function pullReferences(
  deps: UpstreamDeps & PullDeps,
  cache: CacheRecord,
  narinfo: string,
): Promise<void> {
  const ups = deps.config.upstreams[cache.name];
  if (ups?.pullThrough !== true) return;
  let refs: string[];
  try {
    refs = parseNarInfo(narinfo, deps.config.storeDir).references.map((r) => r.slice(0, 32));
  } catch {
    return; // acceptNarInfo answers the format error, naming the field
  }
  const lacking = await deps.index.missingPaths(cache.name, refs);
  const { pull } = upstreamsOf(deps);
  await Promise.all(lacking.map((h) => pull.pull(deps, cache, ups, h)));
}
