import type { Config } from '../config/index.ts';
import type { CacheRecord, MetadataIndex, RetentionRow } from '../index/index.ts';
import { HttpError } from '../util/http-error.ts';
import { formatSize } from '../util/units.ts';
import { type Collection, evictionRecords, planEviction, summarise } from './plan.ts';
import { planInThread } from './plan-thread.ts';
import type { Plan, RetentionPolicy } from './types.ts';

export interface RetentionDeps {
  config: Config;
  index: MetadataIndex;
  now: () => number;
  metrics?: { inc(name: string, help: string, labels?: Record<string, string>, by?: number): void };
}

/** The cache's policy: quota from the cache, TTL and rules from the config file. */
export function policyOf(deps: RetentionDeps, cache: CacheRecord): RetentionPolicy {
  const r = deps.config.retention[cache.name];
  return {
    quota: cache.quota,
    rules: r?.rules ?? [],
    tier3TtlMs: r?.tier3TtlMs ?? 86_400_000,
    uploadGraceMs: deps.config.uploadGraceMs,
  };
}

/**
 * Caches with more paths than this are planned on a worker thread: reading and planning
 * 100,000 paths takes about a second, which would stall every request on the event loop.
 * `LARDER_PLAN_THREAD_ABOVE` changes it (0: always).
 */
const THREAD_ABOVE = Number(process.env.LARDER_PLAN_THREAD_ABOVE ?? 20_000);

/**
 * The eviction plan for a cache as it is now (`larder gc --dry-run`, stats). With
 * `evictionsOnly`, `roots` may come back empty (what gc and admission need is smaller).
 */
export async function planCache(
  deps: RetentionDeps,
  cache: CacheRecord,
  incoming?: RetentionRow,
  opts: { evictionsOnly?: boolean } = {},
): Promise<Plan> {
  if ((await deps.index.countPaths(cache.name)).paths > THREAD_ABOVE) {
    const answer = await planInThread(deps.config, {
      cache: cache.name,
      policy: policyOf(deps, cache),
      now: deps.now(),
      incoming,
      evictionsOnly: opts.evictionsOnly === true,
    });
    if (!('plan' in answer)) throw new Error('the planning thread answered without a plan');
    return answer.plan;
  }
  const view = await deps.index.retentionView(cache.name);
  if (incoming) view.push(incoming);
  return planEviction(view, policyOf(deps, cache), deps.now(), incoming ? [incoming.hashPart] : []);
}

/** Carries out a plan; evictions a concurrent push made unsafe are skipped, not forced. */
export async function runPlan(deps: RetentionDeps, cache: CacheRecord, plan: Plan) {
  const result = await deps.index.evict(
    cache.name,
    evictionRecords(plan),
    deps.now(),
    deps.config.narGraceMs,
  );
  countEvictions(deps, cache, summarise(plan, result, 0).evicted);
  return result;
}

/**
 * Plans and carries out a collection (`larder gc`, the periodic one), listing the first
 * `limit` evictions. A large cache does both on the planning thread, so the server's event
 * loop only serves requests meanwhile.
 */
export async function collect(
  deps: RetentionDeps,
  cache: CacheRecord,
  limit = 1000,
): Promise<Collection> {
  let collection: Collection;
  if ((await deps.index.countPaths(cache.name)).paths > THREAD_ABOVE) {
    const answer = await planInThread(deps.config, {
      cache: cache.name,
      policy: policyOf(deps, cache),
      now: deps.now(),
      incoming: undefined,
      evictionsOnly: true,
      evictWithGraceMs: deps.config.narGraceMs,
      listLimit: limit,
    });
    if (!('collection' in answer)) throw new Error('the planning thread did not collect');
    collection = answer.collection;
  } else {
    const plan = await planCache(deps, cache);
    const result = await deps.index.evict(
      cache.name,
      evictionRecords(plan),
      deps.now(),
      deps.config.narGraceMs,
    );
    collection = summarise(plan, result, limit);
  }
  countEvictions(deps, cache, collection.evicted);
  return collection;
}

function countEvictions(deps: RetentionDeps, cache: CacheRecord, evicted: Collection['evicted']) {
  // Summed by tier and reason first: a large collection evicts 100,000 roots, and a
  // counter update each would hold the event loop.
  for (const k of evicted) {
    deps.metrics?.inc(
      'larder_evictions_total',
      'Roots evicted, by tier and reason.',
      { cache: cache.name, tier: String(k.tier), reason: k.reason },
      k.roots,
    );
    deps.metrics?.inc(
      'larder_evicted_bytes_total',
      'Bytes freed by eviction.',
      { cache: cache.name },
      k.bytes,
    );
  }
}

/**
 * Makes room for a path about to be stored: evicts by plan when the cache would exceed its
 * quota, or refuses with 507 when tier-1 content alone would. Nothing is evicted when the
 * push is refused.
 */
export async function admit(
  deps: RetentionDeps,
  cache: CacheRecord,
  incoming: RetentionRow,
): Promise<void> {
  if (cache.quota === undefined) return;
  // The common case, room to spare, needs one sum and no plan.
  const { narBytes } = await deps.index.countPaths(cache.name);
  if (narBytes + incoming.bytes <= cache.quota) return;
  const plan = await planCache(deps, cache, incoming, { evictionsOnly: true });
  if (plan.overQuotaByTier1) {
    const { tier1Bytes, largestTier1 } = plan.overQuotaByTier1;
    const largest = largestTier1
      .map((r) => `${r.baseName.slice(33)} (${formatSize(r.closureBytes)})`)
      .join(', ');
    throw new HttpError(
      507,
      'quota_exceeded',
      `cache ${cache.name} has a quota of ${formatSize(cache.quota)}, and tier-1 content alone would take ${formatSize(tier1Bytes)}; largest tier-1 roots: ${largest}. Raise the quota or re-tier a root (larder pin --tier 2).`,
    );
  }
  if (plan.totalBytes > cache.quota && plan.evictions.length > 0) await runPlan(deps, cache, plan);
}
