import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RetentionGraph } from '../../src/retention/graph.ts';
import {
  matchRule,
  type Plan,
  planEviction,
  type RetainedPath,
  type RetentionPolicy,
  type RootView,
  rootValue,
  type TierRule,
} from '../../src/retention/index.ts';
import { analyse, planOf } from '../../src/retention/plan.ts';

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const NOW = 100 * DAY;

/**
 * The planner's rules written the obvious way, with Sets and one closure per root: what
 * the flat-array planner must agree with, eviction by eviction.
 */
function referencePlan(
  paths: RetainedPath[],
  policy: RetentionPolicy,
  now: number,
  protect: string[],
): Plan {
  const byHash = new Map<string, RetainedPath>();
  for (const p of paths) if (!byHash.has(p.hashPart)) byHash.set(p.hashPart, p);
  const rows = [...byHash.values()];
  const refsOf = (p: RetainedPath) => p.references.filter((r) => r !== p.hashPart && byHash.has(r));
  const referenced = new Set(rows.flatMap(refsOf));
  const closure = (h: string): Set<string> => {
    const seen = new Set<string>();
    const todo = [h];
    while (todo.length > 0) {
      const x = todo.pop() as string;
      if (seen.has(x)) continue;
      seen.add(x);
      todo.push(...refsOf(byHash.get(x) as RetainedPath));
    }
    return seen;
  };
  const roots = rows.filter((p) => p.pinned || !referenced.has(p.hashPart));
  const closures = new Map(roots.map((r) => [r.hashPart, closure(r.hashPart)]));
  const guarded = protect.filter((h) => byHash.has(h)).map(closure);
  const holders = (h: string) => [...closures.values(), ...guarded].filter((c) => c.has(h)).length;
  const size = (hs: Iterable<string>) =>
    [...hs].reduce((s, h) => s + (byHash.get(h) as RetainedPath).bytes, 0);

  const views = new Map<string, RootView>();
  for (const p of roots) {
    const cl = closures.get(p.hashPart) as Set<string>;
    const closureBytes = size(cl);
    const exclusiveBytes = size([...cl].filter((h) => holders(h) === 1));
    let tier: 1 | 2 | 3 = 2;
    let tierReason = 'default';
    if (p.tier !== undefined) {
      tier = p.tier as 1 | 2 | 3;
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
    views.set(p.hashPart, {
      hashPart: p.hashPart,
      baseName: p.baseName,
      tier,
      tierReason,
      closureBytes,
      exclusiveBytes,
      value: v.value,
      rebuildSeconds: v.rebuildSeconds,
      rebuildEstimated: v.estimated,
    });
  }
  const view = (p: RetainedPath) => views.get(p.hashPart) as RootView;
  const bytesPerTier = { 1: 0, 2: 0, 3: 0 };
  for (const p of rows) {
    const tiers = roots
      .filter((r) => (closures.get(r.hashPart) as Set<string>).has(p.hashPart))
      .map((r) => view(r).tier);
    bytesPerTier[tiers.length ? (Math.min(...tiers) as 1 | 2 | 3) : 2] += p.bytes;
  }
  const totalBytes = size(byHash.keys());

  // Evicting a root frees what no remaining root (nor protected path) still holds.
  const remaining = new Set(roots.map((r) => r.hashPart));
  const gone = new Set<string>();
  let current = totalBytes;
  const evictions: Plan['evictions'] = [];
  const evict = (p: RetainedPath, reason: 'tier3-ttl' | 'quota') => {
    remaining.delete(p.hashPart);
    const held = new Set([...guarded.flatMap((c) => [...c])]);
    for (const r of remaining) for (const h of closures.get(r) as Set<string>) held.add(h);
    const freed = [...(closures.get(p.hashPart) as Set<string>)].filter(
      (h) => !held.has(h) && !gone.has(h),
    );
    for (const h of freed) gone.add(h);
    const bytesFreed = size(freed);
    current -= bytesFreed;
    evictions.push({ root: view(p), paths: freed, pathCount: freed.length, bytesFreed, reason });
  };
  const isProtected = new Set(protect);
  const candidates = roots.filter(
    (p) =>
      view(p).tier !== 1 &&
      !isProtected.has(p.hashPart) &&
      now - p.createdAt >= policy.uploadGraceMs,
  );
  const lastUse = (p: RetainedPath) => Math.max(p.createdAt, p.lastAccess ?? 0);
  const expired = candidates.filter(
    (p) => view(p).tier === 3 && now - lastUse(p) > policy.tier3TtlMs,
  );
  for (const p of expired) evict(p, 'tier3-ttl');
  if (policy.quota !== undefined && current > policy.quota) {
    const byValue = candidates
      .filter((p) => !expired.includes(p))
      .sort((a, b) =>
        view(a).tier === view(b).tier ? view(a).value - view(b).value : view(b).tier - view(a).tier,
      );
    for (const p of byValue) {
      if (current <= policy.quota) break;
      evict(p, 'quota');
    }
  }
  const allViews = roots.map(view);
  return {
    totalBytes,
    bytesPerTier,
    quota: policy.quota,
    evictions,
    bytesAfter: current,
    overQuotaByTier1:
      policy.quota !== undefined && bytesPerTier[1] > policy.quota
        ? {
            tier1Bytes: bytesPerTier[1],
            largestTier1: allViews
              .filter((r) => r.tier === 1)
              .sort((a, b) => b.closureBytes - a.closureBytes)
              .slice(0, 5),
          }
        : undefined,
    roots: allViews,
  };
}

/** A plan with each eviction's paths in a fixed order, for comparing two planners. */
const canonical = (plan: Plan): Plan => ({
  ...plan,
  evictions: plan.evictions.map((e) => ({ ...e, paths: [...e.paths].sort() })),
});

function randomCase(seed: number) {
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const n = 5 + Math.floor(rnd() * 60);
  const names = ['python3-3.12', 'jq-1.7', 'gcc-13', 'hello-2.12', 'glibc-2.39', 'fd-9'];
  // Now and then a hash part that is not 32 characters, which the graph keys apart.
  const hashes = Array.from({ length: n }, (_, i) =>
    `h${seed.toString(36)}x${i}`.padEnd(rnd() < 0.05 ? 20 : 32, 'abcdefghij'[i % 10]),
  );
  const paths: RetainedPath[] = [];
  for (let i = 0; i < n; i++) {
    const hashPart = hashes[i] as string;
    const refs: string[] = [];
    for (const h of hashes.slice(0, i)) if (rnd() < 0.12) refs.push(h);
    if (rnd() < 0.1 && i > 0) refs.push(pick(hashes.slice(0, i))); // a duplicate
    if (rnd() < 0.05) refs.push(hashPart); // itself
    if (rnd() < 0.05) refs.push('z'.repeat(32)); // a path the cache does not have
    if (rnd() < 0.03) refs.push(pick(hashes)); // a reference forward: a cycle, maybe
    paths.push({
      hashPart,
      baseName: `${hashPart}-${pick(names)}`,
      references: refs,
      // Whole MiB from a small range, so equal values (ties) are common.
      bytes: (1 + Math.floor(rnd() * 8)) * MiB,
      tier: rnd() < 0.15 ? pick([1, 2, 3]) : undefined,
      pinned: rnd() < 0.05,
      buildSeconds: rnd() < 0.4 ? Math.floor(rnd() * 5000) : undefined,
      createdAt: NOW - (rnd() < 0.1 ? 60_000 : Math.floor(rnd() * 5 * DAY)),
      lastAccess: rnd() < 0.5 ? undefined : NOW - Math.floor(rnd() * 20 * DAY),
      hits: rnd() < 0.5 ? 0 : Math.floor(rnd() * 20),
    });
  }
  if (rnd() < 0.1) paths.push({ ...pick(paths), bytes: 99 * MiB }); // a row seen twice
  const rules: TierRule[] = [];
  if (rnd() < 0.5) rules.push({ tier: 1, match: 'python3-*' });
  if (rnd() < 0.5) rules.push({ tier: 3, match: '/^(jq|fd)-/' });
  if (rnd() < 0.3) rules.push({ tier: 1, minBuildSeconds: 4000 });
  if (rnd() < 0.3) rules.push({ tier: 3, minSize: 20 * MiB });
  const total = paths.reduce((s, p) => s + p.bytes, 0);
  const policy: RetentionPolicy = {
    quota: rnd() < 0.15 ? undefined : Math.floor(total * rnd()),
    rules,
    tier3TtlMs: pick([DAY / 2, DAY, 3 * DAY]),
    uploadGraceMs: 10 * 60_000,
  };
  const protect = rnd() < 0.3 ? [pick(hashes), 'q'.repeat(32)] : [];
  return { paths, policy, protect };
}

describe('eviction plan against a straightforward reference', () => {
  it('agrees on random graphs: roots, tiers, values, evictions in order, bytes freed', () => {
    let evictions = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const { paths, policy, protect } = randomCase(seed);
      const expected = canonical(referencePlan(paths, policy, NOW, protect));
      assert.deepEqual(
        canonical(planEviction(paths, policy, NOW, protect)),
        expected,
        `seed ${seed}`,
      );
      // The same from a graph that starts tiny and grows while the rows come.
      const g = new RetentionGraph(1);
      for (const p of paths) g.add(p);
      assert.deepEqual(
        canonical(planOf(analyse(g.finish(), policy, NOW, protect), true)),
        expected,
        `seed ${seed}, grown graph`,
      );
      evictions += expected.evictions.length;
    }
    assert.ok(evictions > 1000, `the cases evict (${evictions} evictions)`);
  });
});
