import type { Config } from '../config/index.ts';
import type { CacheRecord, MetadataIndex, RetentionRow } from '../index/index.ts';
import { HttpError } from '../util/http-error.ts';
import { formatSize } from '../util/units.ts';
import { type Answer, type Ask, answer, type PlanRequest } from './ask.ts';
import { type Collection, evictionRecords, summarise } from './plan.ts';
import { planInThread } from './plan-thread.ts';
import type { Plan, RetentionPolicy } from './types.ts';

export interface RetentionDeps {
  config: Config;
  index: MetadataIndex;
  now: () => number;
  metrics?: { inc(name: string, help: string, labels?: Record<string, string>, by?: number): void };
  /** Use counts waiting in memory, written before each plan so that it sees them. */
  usage?: { flush(): Promise<void> };
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
 * Plans the cache and answers `ask`: on the planning thread for a large cache, else here.
 * Only counted up to the threshold: summing a million paths' sizes here (countPaths) held
 * the event loop for 4-8 s at the start of every collection.
 */
async function ask(
  deps: RetentionDeps,
  cache: CacheRecord,
  what: Ask,
  incoming?: RetentionRow,
): Promise<Answer> {
  await deps.usage?.flush();
  const req: PlanRequest = {
    cache: cache.name,
    policy: policyOf(deps, cache),
    now: deps.now(),
    incoming,
    ...what,
  };
  if ((await deps.index.pathCount(cache.name, THREAD_ABOVE + 1)) > THREAD_ABOVE)
    return planInThread(deps.config, req);
  return answer(deps.index, req, true);
}

/**
 * The eviction plan for a cache as it is now, every eviction with its hash parts. With
 * `evictionsOnly`, `roots` may come back empty (what admission needs is smaller).
 */
export async function planCache(
  deps: RetentionDeps,
  cache: CacheRecord,
  incoming?: RetentionRow,
  opts: { evictionsOnly?: boolean } = {},
): Promise<Plan> {
  const a = await ask(
    deps,
    cache,
    { want: 'plan', withRoots: opts.evictionsOnly !== true },
    incoming,
  );
  if (!('plan' in a)) throw new Error('planning answered without a plan');
  return a.plan;
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
  const a = await ask(deps, cache, {
    want: 'summary',
    listLimit: limit,
    evictWithGraceMs: deps.config.narGraceMs,
  });
  if (!('collection' in a)) throw new Error('planning answered without a collection');
  countEvictions(deps, cache, a.collection.evicted);
  return a.collection;
}

/** What a collection would do (`larder gc --dry-run`), listing the first `limit` evictions. */
export async function dryRun(
  deps: RetentionDeps,
  cache: CacheRecord,
  limit = 1000,
): Promise<Collection> {
  const a = await ask(deps, cache, { want: 'summary', listLimit: limit });
  if (!('collection' in a)) throw new Error('planning answered without a collection');
  return a.collection;
}

/** Totals and the `top` most valuable and next-to-evict roots (stats, the dashboard). */
export async function overview(deps: RetentionDeps, cache: CacheRecord, top = 10) {
  const a = await ask(deps, cache, { want: 'overview', top });
  if (!('overview' in a)) throw new Error('planning answered without an overview');
  return a.overview;
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
