import type { EvictionRecord } from '../index/index.ts';
import { matchRule } from './rules.ts';
import type { Eviction, Plan, RetainedPath, RetentionPolicy, RootView } from './types.ts';
import { rootValue } from './value.ts';

type Tier = 1 | 2 | 3;

/** Closures of every root, flattened: `items[start[r] .. start[r + 1])` are path indices. */
interface Closures {
  start: Int32Array;
  items: Int32Array;
}

/**
 * Computes each root's closure over integer path indices with a stamped visited array,
 * so a million-path cache costs arrays of ints, not a Set per root.
 */
function closuresOf(
  roots: Int32Array,
  refStart: Int32Array,
  refs: Int32Array,
  n: number,
): Closures {
  const mark = new Int32Array(n);
  const stack = new Int32Array(n);
  const start = new Int32Array(roots.length + 1);
  let items = new Int32Array(Math.max(16, roots.length * 4));
  let len = 0;
  for (let r = 0; r < roots.length; r++) {
    start[r] = len;
    const stamp = r + 1;
    let top = 0;
    const root = roots[r] as number;
    mark[root] = stamp;
    stack[top++] = root;
    while (top > 0) {
      const p = stack[--top] as number;
      if (len === items.length) {
        const grown = new Int32Array(items.length * 2);
        grown.set(items);
        items = grown;
      }
      items[len++] = p;
      for (let k = refStart[p] as number; k < (refStart[p + 1] as number); k++) {
        const q = refs[k] as number;
        if (mark[q] !== stamp) {
          mark[q] = stamp;
          stack[top++] = q;
        }
      }
    }
  }
  start[roots.length] = len;
  return { start, items };
}

/**
 * Plans what to evict from one cache. Roots are paths nothing references, plus pinned
 * paths; a path's tier is the best tier of any root whose closure holds it. Evicting a
 * root removes exactly the part of its closure no other root holds, so a kept narinfo
 * never loses a reference. Tier-3 roots past their TTL go first, then, while the cache is
 * above its quota, tier-3 and tier-2 roots from the lowest value up. Tier 1 never goes.
 * `protect` names paths whose closures must survive (an upload being accepted).
 */
export function planEviction(
  paths: RetainedPath[],
  policy: RetentionPolicy,
  now: number,
  protect: string[] = [],
): Plan {
  const n = paths.length;
  const indexOf = new Map<string, number>();
  for (let i = 0; i < n; i++) indexOf.set((paths[i] as RetainedPath).hashPart, i);
  // References as a CSR adjacency list (self-references and unknown paths dropped).
  const refStart = new Int32Array(n + 1);
  const refList: number[] = [];
  const referenced = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    refStart[i] = refList.length;
    for (const r of (paths[i] as RetainedPath).references) {
      const j = indexOf.get(r);
      if (j !== undefined && j !== i) {
        refList.push(j);
        referenced[j] = 1;
      }
    }
  }
  refStart[n] = refList.length;
  const refs = Int32Array.from(refList);
  const bytes = Float64Array.from(paths, (p) => p.bytes);

  const protectIdx = protect.map((h) => indexOf.get(h)).filter((i): i is number => i !== undefined);
  const rootIdx: number[] = [];
  for (let i = 0; i < n; i++)
    if ((paths[i] as RetainedPath).pinned || !referenced[i]) rootIdx.push(i);
  const nRoots = rootIdx.length;
  const cl = closuresOf(Int32Array.from([...rootIdx, ...protectIdx]), refStart, refs, n);
  const holders = new Int32Array(n);
  for (const p of cl.items.subarray(0, cl.start[cl.start.length - 1]))
    holders[p] = (holders[p] as number) + 1;
  const sumOver = (r: number, pred: (p: number) => boolean) => {
    let s = 0;
    for (let k = cl.start[r] as number; k < (cl.start[r + 1] as number); k++) {
      const p = cl.items[k] as number;
      if (pred(p)) s += bytes[p] as number;
    }
    return s;
  };

  const roots: RootView[] = new Array(nRoots);
  for (let r = 0; r < nRoots; r++) {
    const p = paths[rootIdx[r] as number] as RetainedPath;
    const closureBytes = sumOver(r, () => true);
    const exclusiveBytes = sumOver(r, (q) => holders[q] === 1);
    let tier: Tier = 2;
    let tierReason = 'default';
    if (p.tier !== undefined) {
      tier = p.tier as Tier;
      tierReason = p.pinned ? 'pinned' : 'pushed with --tier';
    } else {
      const m = matchRule(policy.rules, {
        name: p.baseName.slice(33),
        buildSeconds: p.buildSeconds,
        closureBytes,
      });
      if (m) {
        tier = m.rule.tier;
        tierReason = `rule ${m.index + 1}${m.rule.match ? ` (${m.rule.match})` : ''}`;
      }
    }
    const v = rootValue({
      buildSeconds: p.buildSeconds,
      closureBytes,
      exclusiveBytes,
      hits: p.hits,
      lastUse: p.lastAccess,
      now,
    });
    roots[r] = {
      hashPart: p.hashPart,
      baseName: p.baseName,
      tier,
      tierReason,
      closureBytes,
      exclusiveBytes,
      value: v.value,
      rebuildSeconds: v.rebuildSeconds,
      rebuildEstimated: v.estimated,
    };
  }

  // Each path takes the best tier of the roots holding it: visit roots best tier first.
  const bestTier = new Uint8Array(n);
  const order = [...roots.keys()].sort(
    (a, b) => (roots[a] as RootView).tier - (roots[b] as RootView).tier,
  );
  for (const r of order) {
    const t = (roots[r] as RootView).tier;
    for (let k = cl.start[r] as number; k < (cl.start[r + 1] as number); k++) {
      const p = cl.items[k] as number;
      if (bestTier[p] === 0) bestTier[p] = t;
    }
  }
  const bytesPerTier: Record<Tier, number> = { 1: 0, 2: 0, 3: 0 };
  let totalBytes = 0;
  for (let i = 0; i < n; i++) {
    bytesPerTier[((bestTier[i] as number) || 2) as Tier] += bytes[i] as number;
    totalBytes += bytes[i] as number;
  }

  let current = totalBytes;
  const evictions: Eviction[] = [];
  const evict = (r: number, reason: Eviction['reason']) => {
    const freed: string[] = [];
    let bytesFreed = 0;
    for (let k = cl.start[r] as number; k < (cl.start[r + 1] as number); k++) {
      const p = cl.items[k] as number;
      holders[p] = (holders[p] as number) - 1;
      if (holders[p] === 0) {
        freed.push((paths[p] as RetainedPath).hashPart);
        bytesFreed += bytes[p] as number;
      }
    }
    current -= bytesFreed;
    evictions.push({
      root: roots[r] as RootView,
      paths: freed,
      pathCount: freed.length,
      bytesFreed,
      reason,
    });
  };
  const protectedSet = new Set(protectIdx);
  const candidates: number[] = [];
  for (let r = 0; r < nRoots; r++) {
    const i = rootIdx[r] as number;
    const p = paths[i] as RetainedPath;
    if (
      (roots[r] as RootView).tier === 1 ||
      protectedSet.has(i) ||
      now - p.createdAt < policy.uploadGraceMs
    )
      continue;
    candidates.push(r);
  }
  const lastUse = (r: number) => {
    const p = paths[rootIdx[r] as number] as RetainedPath;
    return Math.max(p.createdAt, p.lastAccess ?? 0);
  };
  const expired = new Set(
    candidates.filter(
      (r) => (roots[r] as RootView).tier === 3 && now - lastUse(r) > policy.tier3TtlMs,
    ),
  );
  for (const r of expired) evict(r, 'tier3-ttl');
  if (policy.quota !== undefined && current > policy.quota) {
    const byValue = candidates
      .filter((r) => !expired.has(r))
      .sort((a, b) => {
        const x = roots[a] as RootView;
        const y = roots[b] as RootView;
        return x.tier === y.tier ? x.value - y.value : y.tier - x.tier;
      });
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

/** A plan's evictions as the index carries them out. */
export function evictionRecords(plan: Plan): EvictionRecord[] {
  return plan.evictions.map((e) => ({
    root: e.root.baseName,
    tier: e.root.tier,
    reason: e.reason,
    hashParts: e.paths,
    bytes: e.bytesFreed,
  }));
}

/** What a collection did, small enough to hand between threads and to answer with. */
export interface Collection {
  totalBytes: number;
  bytesAfter: number;
  evictionCount: number;
  pathCount: number;
  /** The first evictions of the plan, in order, without their hash parts. */
  evictions: Eviction[];
  /** Roots evicted, summed by tier and reason. */
  evicted: { tier: number; reason: string; roots: number; bytes: number }[];
  /** Roots left in place because a push made their eviction unsafe. */
  skipped: string[];
}

/** Sums up a plan and what carrying it out did, listing the first `limit` evictions. */
export function summarise(
  plan: Plan,
  result: { done: EvictionRecord[]; skipped: EvictionRecord[] },
  limit: number,
): Collection {
  const byKind = new Map<string, Collection['evicted'][number]>();
  for (const e of result.done) {
    const key = `${e.tier}/${e.reason}`;
    const k = byKind.get(key) ?? { tier: e.tier, reason: e.reason, roots: 0, bytes: 0 };
    k.roots++;
    k.bytes += e.bytes;
    byKind.set(key, k);
  }
  return {
    totalBytes: plan.totalBytes,
    bytesAfter: plan.bytesAfter,
    evictionCount: plan.evictions.length,
    pathCount: plan.evictions.reduce((n, e) => n + e.pathCount, 0),
    evictions: plan.evictions.slice(0, limit).map((e) => ({ ...e, paths: [] })),
    evicted: [...byKind.values()],
    skipped: result.skipped.map((e) => e.root),
  };
}
