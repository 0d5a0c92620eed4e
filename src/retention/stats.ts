import type { CacheRecord } from '../index/index.ts';
import { overview, type RetentionDeps } from './service.ts';
import type { RootView } from './types.ts';

const rootSummary = (r: RootView) => ({
  path: r.baseName,
  tier: r.tier,
  tierReason: r.tierReason,
  closureBytes: r.closureBytes,
  exclusiveBytes: r.exclusiveBytes,
  value: Number(r.value.toPrecision(4)),
  rebuildSeconds: Math.round(r.rebuildSeconds),
  rebuildEstimated: r.rebuildEstimated,
});

/** What `larder stats` and the dashboard show for one cache. */
export async function cacheStats(deps: RetentionDeps, cache: CacheRecord, hours = 24) {
  const now = deps.now();
  const plan = await overview(deps, cache, 10);
  const traffic = await deps.index.traffic(cache.name, Math.floor(now / 60_000) - hours * 60);
  const hits = traffic.reduce((n, t) => n + t.hits, 0);
  const misses = traffic.reduce((n, t) => n + t.misses, 0);
  const hourly = new Map<number, { hits: number; misses: number; bytesOut: number }>();
  for (const t of traffic) {
    const h = Math.floor(t.minute / 60) * 3_600_000;
    const b = hourly.get(h) ?? { hits: 0, misses: 0, bytesOut: 0 };
    b.hits += t.hits;
    b.misses += t.misses;
    b.bytesOut += t.bytesOut;
    hourly.set(h, b);
  }
  return {
    cache: cache.name,
    quota: cache.quota ?? null,
    totalBytes: plan.totalBytes,
    bytesPerTier: plan.bytesPerTier,
    roots: plan.roots,
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    hits,
    misses,
    bytesServed: traffic.reduce((n, t) => n + t.bytesOut, 0),
    hourly: [...hourly].map(([at, b]) => ({ at: new Date(at).toISOString(), ...b })),
    mostValuable: plan.mostValuable.map(rootSummary),
    nextToEvict: plan.nextToEvict.map(rootSummary),
    recentPushes: (await deps.index.recentPaths(cache.name, 10)).map((p) => ({
      ...p,
      createdAt: new Date(p.createdAt).toISOString(),
    })),
    recentEvictions: (await deps.index.recentEvictions(cache.name, 10)).map((e) => ({
      ...e,
      at: new Date(e.at).toISOString(),
    })),
  };
}
