import { matchRule } from './rules.ts';
import type { Eviction, Plan, RetainedPath, RetentionPolicy, RootView } from './types.ts';
import { rootValue } from './value.ts';

type Tier = 1 | 2 | 3;

/**
 * Plans what to evict from one cache. Roots are paths nothing references, plus pinned
 * paths; a path's tier is the best tier of any root whose closure holds it. Evicting a
 * root removes exactly the part of its closure no other root holds, so a kept narinfo
 * never loses a reference. Tier-3 roots past their TTL go first, then, while the cache is
 * above its quota, tier-2 and tier-3 roots from the lowest value up. Tier 1 never goes.
 * `protect` names paths whose closures must survive (an upload being accepted).
 */
export function planEviction(
  paths: RetainedPath[],
  policy: RetentionPolicy,
  now: number,
  protect: string[] = [],
): Plan {
  const byHash = new Map(paths.map((p) => [p.hashPart, p]));
  const referenced = new Set<string>();
  for (const p of paths) for (const r of p.references) if (r !== p.hashPart) referenced.add(r);
  const closureOf = (start: string): string[] => {
    const seen = new Set<string>([start]);
    const stack = [start];
    while (stack.length) {
      const p = byHash.get(stack.pop() as string);
      for (const r of p?.references ?? []) {
        if (!seen.has(r) && byHash.has(r)) {
          seen.add(r);
          stack.push(r);
        }
      }
    }
    return [...seen];
  };

  const rootPaths = paths.filter((p) => p.pinned || !referenced.has(p.hashPart));
  const closures = new Map(rootPaths.map((r) => [r.hashPart, closureOf(r.hashPart)]));
  const holders = new Map<string, number>();
  const hold = (c: string[]) => {
    for (const h of c) holders.set(h, (holders.get(h) ?? 0) + 1);
  };
  for (const c of closures.values()) hold(c);
  for (const p of protect) if (byHash.has(p)) hold(closureOf(p));
  const bytesOf = (hs: string[]) => hs.reduce((n, h) => n + (byHash.get(h)?.bytes ?? 0), 0);

  const roots: RootView[] = rootPaths.map((r) => {
    const closure = closures.get(r.hashPart) as string[];
    const closureBytes = bytesOf(closure);
    const exclusiveBytes = bytesOf(closure.filter((h) => holders.get(h) === 1));
    const name = r.baseName.slice(33);
    let tier: Tier = 2;
    let tierReason = 'default';
    if (r.tier !== undefined) {
      tier = r.tier as Tier;
      tierReason = r.pinned ? 'pinned' : 'pushed with --tier';
    } else {
      const m = matchRule(policy.rules, { name, buildSeconds: r.buildSeconds, closureBytes });
      if (m) {
        tier = m.rule.tier;
        tierReason = `rule ${m.index + 1}${m.rule.match ? ` (${m.rule.match})` : ''}`;
      }
    }
    const v = rootValue({
      buildSeconds: r.buildSeconds,
      closureBytes,
      exclusiveBytes,
      hits: r.hits,
      lastUse: r.lastAccess,
      now,
    });
    return {
      hashPart: r.hashPart,
      baseName: r.baseName,
      tier,
      tierReason,
      closureBytes,
      exclusiveBytes,
      value: v.value,
      rebuildSeconds: v.rebuildSeconds,
      rebuildEstimated: v.estimated,
    };
  });

  const bestTier = new Map<string, Tier>();
  for (const root of [...roots].sort((a, b) => a.tier - b.tier)) {
    for (const h of closures.get(root.hashPart) as string[])
      if (!bestTier.has(h)) bestTier.set(h, root.tier);
  }
  const bytesPerTier: Record<Tier, number> = { 1: 0, 2: 0, 3: 0 };
  for (const p of paths) bytesPerTier[bestTier.get(p.hashPart) ?? 2] += p.bytes;
  const totalBytes = bytesOf(paths.map((p) => p.hashPart));

  let current = totalBytes;
  const evictions: Eviction[] = [];
  const evict = (root: RootView, reason: Eviction['reason']) => {
    const freed: string[] = [];
    for (const h of closures.get(root.hashPart) as string[]) {
      const n = (holders.get(h) ?? 0) - 1;
      holders.set(h, n);
      if (n === 0) freed.push(h);
    }
    const bytesFreed = bytesOf(freed);
    current -= bytesFreed;
    evictions.push({ root, paths: freed, bytesFreed, reason });
  };
  const protectedRoots = new Set(protect);
  const lastUse = new Map(
    rootPaths.map((r) => [r.hashPart, Math.max(r.createdAt, r.lastAccess ?? 0)]),
  );
  const young = (root: RootView) =>
    now - (byHash.get(root.hashPart)?.createdAt ?? 0) < policy.uploadGraceMs;
  const candidates = roots.filter(
    (r) => r.tier !== 1 && !protectedRoots.has(r.hashPart) && !young(r),
  );
  const expired = new Set(
    candidates.filter(
      (r) => r.tier === 3 && now - (lastUse.get(r.hashPart) ?? 0) > policy.tier3TtlMs,
    ),
  );
  for (const r of expired) evict(r, 'tier3-ttl');
  if (policy.quota !== undefined && current > policy.quota) {
    const byValue = candidates
      .filter((r) => !expired.has(r))
      .sort((a, b) => (a.tier === b.tier ? a.value - b.value : b.tier - a.tier));
    for (const r of byValue) {
      if (current <= policy.quota) break;
      evict(r, 'quota');
    }
  }

  let overQuotaByTier1: Plan['overQuotaByTier1'];
  if (policy.quota !== undefined && bytesPerTier[1] > policy.quota) {
    const largestTier1 = roots
      .filter((r) => r.tier === 1)
      .sort((a, b) => b.closureBytes - a.closureBytes)
      .slice(0, 5);
    overQuotaByTier1 = { tier1Bytes: bytesPerTier[1], largestTier1 };
  }
  return {
    totalBytes,
    bytesPerTier,
    quota: policy.quota,
    evictions,
    bytesAfter: current,
    overQuotaByTier1,
    roots,
  };
}
