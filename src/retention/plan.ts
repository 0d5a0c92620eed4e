import type { EvictionRecord } from '../index/index.ts';
import { graphOf, grown, type RetentionGraph } from './graph.ts';
import { ruleMatcher } from './rules.ts';
import type { Eviction, Plan, RetainedPath, RetentionPolicy, RootView } from './types.ts';
import { rootValue } from './value.ts';

type Tier = 1 | 2 | 3;
const REASONS = ['tier3-ttl', 'quota'] as const;
/** `CompactPlan.reason` codes below the first rule's. */
const DEFAULT = 0;
const PINNED = 1;
const PUSHED = 2;
const RULE = 3;

/**
 * An eviction plan over graph ids, in typed arrays: what `Plan` says before any object is
 * made per root, so a million-path plan stays tens of MiB and evictions can be carried out
 * (and turned into hash parts) a batch at a time.
 */
export interface CompactPlan {
  graph: RetentionGraph;
  policy: RetentionPolicy;
  now: number;
  /** Root ids, in the order the index gave their rows. Root index r is a position here. */
  roots: Int32Array;
  tier: Uint8Array;
  /** Why each root has its tier: DEFAULT, PINNED, PUSHED, or RULE + the rule's index. */
  reason: Int32Array;
  closureBytes: Float64Array;
  exclusiveBytes: Float64Array;
  value: Float64Array;
  totalBytes: number;
  bytesPerTier: Record<Tier, number>;
  bytesAfter: number;
  /** Evictions in order: root index, reason (index into REASONS), bytes freed. */
  evictionCount: number;
  evRoot: Int32Array;
  evReason: Uint8Array;
  evBytes: Float64Array;
  /** Path ids eviction e frees: `freed[freedStart[e] .. freedStart[e + 1])`. */
  freedStart: Int32Array;
  freed: Int32Array;
  /** Root indices of the largest tier-1 roots when tier 1 alone exceeds the quota. */
  largestTier1: number[] | undefined;
}

/** Depth-first closures over the graph, with a stamped visited array instead of a Set each. */
class Walker {
  private readonly g: RetentionGraph;
  private readonly mark: Int32Array;
  private readonly stack: Int32Array;
  /** The last closure's ids, in visiting order. */
  readonly items: Int32Array;
  private stamp = 0;

  constructor(g: RetentionGraph) {
    this.g = g;
    this.mark = new Int32Array(g.size);
    this.stack = new Int32Array(g.size);
    this.items = new Int32Array(g.size);
  }

  /** Fills `items` with the closure of `root` and returns its length. */
  closure(root: number): number {
    const { edgeStart, edgeCount, edges } = this.g;
    const { mark, stack, items } = this;
    const stamp = ++this.stamp;
    let top = 0;
    let len = 0;
    mark[root] = stamp;
    stack[top++] = root;
    while (top > 0) {
      const p = stack[--top] as number;
      items[len++] = p;
      const end = (edgeStart[p] as number) + (edgeCount[p] as number);
      for (let k = edgeStart[p] as number; k < end; k++) {
        const q = edges[k] as number;
        if (mark[q] !== stamp) {
          mark[q] = stamp;
          stack[top++] = q;
        }
      }
    }
    return len;
  }
}

/**
 * Sorts `xs` in place, stably, by `cmp`: a merge sort with one scratch array of ints, where
 * TypedArray.prototype.sort with a comparator copies a million elements into the JS heap.
 */
export function sortIndices(xs: Int32Array, cmp: (a: number, b: number) => number): Int32Array {
  let from: Int32Array = xs;
  let to: Int32Array = new Int32Array(xs.length);
  for (let width = 1; width < xs.length; width *= 2) {
    for (let lo = 0; lo < xs.length; lo += 2 * width) {
      const mid = Math.min(lo + width, xs.length);
      const hi = Math.min(lo + 2 * width, xs.length);
      let i = lo;
      let j = mid;
      let k = lo;
      // Taking from the right only when strictly smaller keeps equal elements in order.
      while (i < mid && j < hi) {
        const a = from[i] as number;
        const b = from[j] as number;
        if (cmp(b, a) < 0) {
          to[k++] = b;
          j++;
        } else {
          to[k++] = a;
          i++;
        }
      }
      while (i < mid) to[k++] = from[i++] as number;
      while (j < hi) to[k++] = from[j++] as number;
    }
    [from, to] = [to, from];
  }
  if (from !== xs) xs.set(from);
  return xs;
}

/**
 * Plans what to evict from one cache. Roots are paths nothing references, plus pinned
 * paths; a path's tier is the best tier of any root whose closure holds it. Evicting a
 * root removes exactly the part of its closure no other root holds, so a kept narinfo
 * never loses a reference. Tier-3 roots past their TTL go first, then, while the cache is
 * above its quota, tier-3 and tier-2 roots from the lowest value up. Tier 1 never goes.
 * `protect` names paths whose closures must survive (an upload being accepted).
 *
 * Closures are walked again in each pass instead of being kept: a pass over a million
 * roots costs well under a second, keeping them would cost an int per (root, path) pair.
 */
export function analyse(
  g: RetentionGraph,
  policy: RetentionPolicy,
  now: number,
  protect: string[] = [],
): CompactPlan {
  const n = g.size;
  const { bytes, rowId, edgeStart, edgeCount, edges } = g;
  const referenced = new Uint8Array(n);
  for (let k = 0; k < g.rows; k++) {
    const id = rowId[k] as number;
    const end = (edgeStart[id] as number) + (edgeCount[id] as number);
    for (let e = edgeStart[id] as number; e < end; e++) referenced[edges[e] as number] = 1;
  }
  const isRoot = (id: number) => g.isPinned(id) || !referenced[id];
  let nRoots = 0;
  for (let k = 0; k < g.rows; k++) if (isRoot(rowId[k] as number)) nRoots++;
  const roots = new Int32Array(nRoots);
  for (let k = 0, r = 0; k < g.rows; k++)
    if (isRoot(rowId[k] as number)) roots[r++] = rowId[k] as number;
  const protectIds = protect.map((h) => g.idOf(h)).filter((id) => id >= 0 && g.isPresent(id));
  const isProtected = new Uint8Array(n);
  for (const id of protectIds) isProtected[id] = 1;

  // Pass 1: how many closures (roots' and protected paths') hold each path.
  const walk = new Walker(g);
  const { items } = walk;
  const holders = new Int32Array(n);
  const closureBytes = new Float64Array(nRoots);
  for (let r = 0; r < nRoots + protectIds.length; r++) {
    const len = walk.closure(
      r < nRoots ? (roots[r] as number) : (protectIds[r - nRoots] as number),
    );
    let sum = 0;
    for (let k = 0; k < len; k++) {
      const p = items[k] as number;
      holders[p] = (holders[p] as number) + 1;
      sum += bytes[p] as number;
    }
    if (r < nRoots) closureBytes[r] = sum;
  }

  const tier = new Uint8Array(nRoots);
  const reason = new Int32Array(nRoots);
  const match = ruleMatcher(policy.rules);
  for (let r = 0; r < nRoots; r++) {
    const id = roots[r] as number;
    const explicit = g.tier[id] as number;
    if (explicit !== 0) {
      tier[r] = explicit;
      reason[r] = g.isPinned(id) ? PINNED : PUSHED;
      continue;
    }
    const bs = g.buildSeconds[id] as number;
    const m = match(
      () => g.baseName(id).slice(33),
      Number.isNaN(bs) ? undefined : bs,
      closureBytes[r] as number,
    );
    tier[r] = m < 0 ? 2 : (policy.rules[m]?.tier ?? 2);
    reason[r] = m < 0 ? DEFAULT : RULE + m;
  }

  // Pass 2: bytes only one closure holds, and each path's best tier.
  const exclusiveBytes = new Float64Array(nRoots);
  const value = new Float64Array(nRoots);
  const bestTier = new Uint8Array(n);
  for (let r = 0; r < nRoots; r++) {
    const len = walk.closure(roots[r] as number);
    const t = tier[r] as number;
    let sum = 0;
    for (let k = 0; k < len; k++) {
      const p = items[k] as number;
      if (holders[p] === 1) sum += bytes[p] as number;
      const b = bestTier[p] as number;
      if (b === 0 || t < b) bestTier[p] = t;
    }
    exclusiveBytes[r] = sum;
    value[r] = rootValueOf(g, roots[r] as number, closureBytes[r] as number, sum, now).value;
  }
  const bytesPerTier: Record<Tier, number> = { 1: 0, 2: 0, 3: 0 };
  let totalBytes = 0;
  for (let k = 0; k < g.rows; k++) {
    const id = rowId[k] as number;
    bytesPerTier[((bestTier[id] as number) || 2) as Tier] += bytes[id] as number;
    totalBytes += bytes[id] as number;
  }

  // Typed, like everything per root: a JS array of a million numbers is 8 MiB of heap, and
  // more garbage each time it grows.
  const candidates = new Int32Array(nRoots);
  let nCandidates = 0;
  for (let r = 0; r < nRoots; r++) {
    const id = roots[r] as number;
    if (
      tier[r] === 1 ||
      isProtected[id] ||
      now - (g.createdAt[id] as number) < policy.uploadGraceMs
    )
      continue;
    candidates[nCandidates++] = r;
  }
  const lastUse = (r: number) => {
    const id = roots[r] as number;
    const a = g.lastAccess[id] as number;
    return Math.max(g.createdAt[id] as number, Number.isNaN(a) ? 0 : a);
  };

  let current = totalBytes;
  let evictionCount = 0;
  let freedLen = 0;
  // Grown as evictions are made: usually far fewer than there are candidates.
  let evRoot = new Int32Array(Math.min(nCandidates, 1024));
  let evReason = new Uint8Array(evRoot.length);
  let evBytes = new Float64Array(evRoot.length);
  let freedStart = new Int32Array(evRoot.length + 1);
  // Each path is freed at most once: its holder count reaches zero once.
  const freed = new Int32Array(n);
  const evict = (r: number, why: number) => {
    const len = walk.closure(roots[r] as number);
    let bytesFreed = 0;
    if (evictionCount === evRoot.length) {
      const cap = Math.min(nCandidates, evRoot.length * 2);
      evRoot = grown(evRoot, cap);
      evReason = grown(evReason, cap);
      evBytes = grown(evBytes, cap);
      freedStart = grown(freedStart, cap + 1);
    }
    freedStart[evictionCount] = freedLen;
    for (let k = 0; k < len; k++) {
      const p = items[k] as number;
      holders[p] = (holders[p] as number) - 1;
      if (holders[p] === 0) {
        freed[freedLen++] = p;
        bytesFreed += bytes[p] as number;
      }
    }
    current -= bytesFreed;
    evRoot[evictionCount] = r;
    evReason[evictionCount] = why;
    evBytes[evictionCount] = bytesFreed;
    evictionCount++;
    freedStart[evictionCount] = freedLen;
  };
  // Candidates past their TTL are evicted first; the others are kept, in order, for the quota.
  let kept = 0;
  for (let k = 0; k < nCandidates; k++) {
    const r = candidates[k] as number;
    if (tier[r] === 3 && now - lastUse(r) > policy.tier3TtlMs) evict(r, 0);
    else candidates[kept++] = r;
  }
  if (policy.quota !== undefined && current > policy.quota) {
    // Tier 3 before tier 2, then the lowest value; equal ones in row order.
    const byValue = sortIndices(
      candidates.subarray(0, kept),
      (a, b) =>
        (tier[b] as number) - (tier[a] as number) || (value[a] as number) - (value[b] as number),
    );
    for (const r of byValue) {
      if (current <= policy.quota) break;
      evict(r, 1);
    }
  }

  let largestTier1: number[] | undefined;
  if (policy.quota !== undefined && bytesPerTier[1] > policy.quota) {
    const t1: number[] = [];
    for (let r = 0; r < nRoots; r++) if (tier[r] === 1) t1.push(r);
    largestTier1 = t1
      .sort((a, b) => (closureBytes[b] as number) - (closureBytes[a] as number) || a - b)
      .slice(0, 5);
  }
  return {
    graph: g,
    policy,
    now,
    roots,
    tier,
    reason,
    closureBytes,
    exclusiveBytes,
    value,
    totalBytes,
    bytesPerTier,
    bytesAfter: current,
    evictionCount,
    evRoot,
    evReason,
    evBytes,
    freedStart,
    freed,
    largestTier1,
  };
}

function rootValueOf(
  g: RetentionGraph,
  id: number,
  closure: number,
  exclusive: number,
  now: number,
) {
  const bs = g.buildSeconds[id] as number;
  const a = g.lastAccess[id] as number;
  return rootValue({
    buildSeconds: Number.isNaN(bs) ? undefined : bs,
    closureBytes: closure,
    exclusiveBytes: exclusive,
    hits: g.hits[id] as number,
    lastUse: Number.isNaN(a) ? undefined : a,
    now,
  });
}

/** Root r of the plan as the API shows it. */
export function rootView(cp: CompactPlan, r: number): RootView {
  const id = cp.roots[r] as number;
  const why = cp.reason[r] as number;
  const rule = cp.policy.rules[why - RULE];
  const closureBytes = cp.closureBytes[r] as number;
  const exclusiveBytes = cp.exclusiveBytes[r] as number;
  const v = rootValueOf(cp.graph, id, closureBytes, exclusiveBytes, cp.now);
  return {
    hashPart: cp.graph.hashPart(id),
    baseName: cp.graph.baseName(id),
    tier: cp.tier[r] as Tier,
    tierReason:
      why === DEFAULT
        ? 'default'
        : why === PINNED
          ? 'pinned'
          : why === PUSHED
            ? 'pushed with --tier'
            : `rule ${why - RULE + 1}${rule?.match ? ` (${rule.match})` : ''}`,
    closureBytes,
    exclusiveBytes,
    value: v.value,
    rebuildSeconds: v.rebuildSeconds,
    rebuildEstimated: v.estimated,
  };
}

/** A cache's plan in brief: what `larder stats` and the dashboard show. */
export interface Overview {
  totalBytes: number;
  bytesPerTier: Record<Tier, number>;
  roots: number;
  /** Best tier first, then the highest value. */
  mostValuable: RootView[];
  /** What would go first if the quota shrank to nothing: tier 3, then tier 2 by value. */
  nextToEvict: RootView[];
}

/** The first `k` root indices in the order `cmp` sorts them, stably, without sorting all. */
function firstK(cp: CompactPlan, k: number, cmp: (a: number, b: number) => number, skip = -1) {
  const best: number[] = [];
  for (let r = 0; r < cp.roots.length; r++) {
    if (cp.tier[r] === skip) continue;
    const last = best[best.length - 1];
    if (best.length === k && (last === undefined || cmp(r, last) >= 0)) continue;
    // After every element that sorts before r or equal to it: equal roots keep row order.
    let at = best.length;
    while (at > 0 && cmp(r, best[at - 1] as number) < 0) at--;
    best.splice(at, 0, r);
    if (best.length > k) best.pop();
  }
  return best;
}

/** The plan's totals and its `top` most valuable and next-to-evict roots. */
export function overviewOf(cp: CompactPlan, top: number): Overview {
  const { tier, value } = cp;
  const t = (r: number) => tier[r] as number;
  const v = (r: number) => value[r] as number;
  return {
    totalBytes: cp.totalBytes,
    bytesPerTier: cp.bytesPerTier,
    roots: cp.roots.length,
    mostValuable: firstK(cp, top, (a, b) => t(a) - t(b) || v(b) - v(a)).map((r) => rootView(cp, r)),
    nextToEvict: firstK(cp, top, (a, b) => (t(a) === t(b) ? v(a) - v(b) : t(b) - t(a)), 1).map(
      (r) => rootView(cp, r),
    ),
  };
}

/** Hash parts eviction e frees. */
function freedPaths(cp: CompactPlan, e: number): string[] {
  const out: string[] = [];
  for (let k = cp.freedStart[e] as number; k < (cp.freedStart[e + 1] as number); k++)
    out.push(cp.graph.hashPart(cp.freed[k] as number));
  return out;
}

/** Eviction e as the API shows it; its paths listed only if asked. */
function evictionView(cp: CompactPlan, e: number, root: RootView, withPaths: boolean): Eviction {
  const pathCount = (cp.freedStart[e + 1] as number) - (cp.freedStart[e] as number);
  return {
    root,
    paths: withPaths ? freedPaths(cp, e) : [],
    pathCount,
    bytesFreed: cp.evBytes[e] as number,
    reason: REASONS[cp.evReason[e] as number] as Eviction['reason'],
  };
}

/** The plan as objects: every root (`withRoots`) and every eviction with its hash parts. */
export function planOf(cp: CompactPlan, withRoots: boolean): Plan {
  const nRoots = cp.roots.length;
  const roots: RootView[] = withRoots ? new Array(nRoots) : [];
  if (withRoots) for (let r = 0; r < nRoots; r++) roots[r] = rootView(cp, r);
  const view = (r: number) => roots[r] ?? rootView(cp, r);
  const evictions: Eviction[] = [];
  for (let e = 0; e < cp.evictionCount; e++)
    evictions.push(evictionView(cp, e, view(cp.evRoot[e] as number), true));
  return {
    totalBytes: cp.totalBytes,
    bytesPerTier: cp.bytesPerTier,
    quota: cp.policy.quota,
    evictions,
    bytesAfter: cp.bytesAfter,
    overQuotaByTier1: cp.largestTier1 && {
      tier1Bytes: cp.bytesPerTier[1],
      largestTier1: cp.largestTier1.map(view),
    },
    roots,
  };
}

/** `planEviction` over rows in memory; see `analyse`. */
export function planEviction(
  paths: RetainedPath[],
  policy: RetentionPolicy,
  now: number,
  protect: string[] = [],
): Plan {
  return planOf(analyse(graphOf(paths, paths.length), policy, now, protect), true);
}

/** Eviction e of a compact plan as the index carries it out. */
export function evictionRecord(cp: CompactPlan, e: number): EvictionRecord {
  const r = cp.evRoot[e] as number;
  return {
    root: cp.graph.baseName(cp.roots[r] as number),
    tier: cp.tier[r] as number,
    reason: REASONS[cp.evReason[e] as number] as string,
    hashParts: freedPaths(cp, e),
    bytes: cp.evBytes[e] as number,
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

type Done = { done: EvictionRecord[]; skipped: EvictionRecord[] };

function sumByKind(
  done: EvictionRecord[],
  into = new Map<string, Collection['evicted'][number]>(),
) {
  for (const e of done) {
    const key = `${e.tier}/${e.reason}`;
    const k = into.get(key) ?? { tier: e.tier, reason: e.reason, roots: 0, bytes: 0 };
    k.roots++;
    k.bytes += e.bytes;
    into.set(key, k);
  }
  return into;
}

/** Sums up a plan and what carrying it out did, listing the first `limit` evictions. */
export function summarise(plan: Plan, result: Done, limit: number): Collection {
  return {
    totalBytes: plan.totalBytes,
    bytesAfter: plan.bytesAfter,
    evictionCount: plan.evictions.length,
    pathCount: plan.evictions.reduce((n, e) => n + e.pathCount, 0),
    evictions: plan.evictions.slice(0, limit).map((e) => ({ ...e, paths: [] })),
    evicted: [...sumByKind(result.done).values()],
    skipped: result.skipped.map((e) => e.root),
  };
}

/** Evictions handed to the index per call: their records are the only objects made. */
const CHUNK = 1000;

/**
 * Carries out a compact plan a chunk of evictions at a time (`evict` decides each one
 * atomically, skipping what a push made unsafe) and sums up what was done; without
 * `evict`, sums up the plan alone (a dry run).
 */
export async function carryOut(
  cp: CompactPlan,
  limit: number,
  evict?: (records: EvictionRecord[]) => Promise<Done>,
): Promise<Collection> {
  const byKind = new Map<string, Collection['evicted'][number]>();
  const skipped: string[] = [];
  for (let e = 0; evict && e < cp.evictionCount; e += CHUNK) {
    const records: EvictionRecord[] = [];
    for (let k = e; k < Math.min(e + CHUNK, cp.evictionCount); k++)
      records.push(evictionRecord(cp, k));
    const result = await evict(records);
    sumByKind(result.done, byKind);
    for (const s of result.skipped) skipped.push(s.root);
  }
  const evictions: Eviction[] = [];
  for (let e = 0; e < Math.min(limit, cp.evictionCount); e++)
    evictions.push(evictionView(cp, e, rootView(cp, cp.evRoot[e] as number), false));
  return {
    totalBytes: cp.totalBytes,
    bytesAfter: cp.bytesAfter,
    evictionCount: cp.evictionCount,
    pathCount: cp.freedStart[cp.evictionCount] as number,
    evictions,
    evicted: [...byKind.values()],
    skipped,
  };
}
