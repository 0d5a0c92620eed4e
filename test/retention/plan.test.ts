import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planEviction,
  type RetainedPath,
  type RetentionPolicy,
} from '../../src/retention/index.ts';

const MiB = 1024 * 1024;
const DAY = 86_400_000;
const NOW = 100 * DAY;
/** A path whose hash part is readable in assertions: `<name>` padded to 32 characters. */
const path = (
  name: string,
  mib: number,
  refs: string[] = [],
  extra: Partial<RetainedPath> = {},
): RetainedPath => {
  const hashPart = name.padEnd(32, '0');
  return {
    hashPart,
    baseName: `${hashPart}-${name}`,
    references: refs.map((r) => r.padEnd(32, '0')),
    bytes: mib * MiB,
    tier: undefined,
    pinned: false,
    buildSeconds: undefined,
    createdAt: NOW - 30 * DAY,
    lastAccess: undefined,
    hits: 0,
    ...extra,
  };
};
const policy = (
  quotaMiB: number | undefined,
  extra: Partial<RetentionPolicy> = {},
): RetentionPolicy => ({
  quota: quotaMiB === undefined ? undefined : quotaMiB * MiB,
  rules: [],
  tier3TtlMs: DAY,
  uploadGraceMs: 10 * 60_000,
  ...extra,
});
const evicted = (plan: ReturnType<typeof planEviction>) =>
  plan.evictions.flatMap((e) => e.paths.map((p) => p.replace(/0+$/, ''))).sort();

/** Checks the invariant eviction exists for: no kept path loses a reference. */
function assertClosed(paths: RetainedPath[], plan: ReturnType<typeof planEviction>) {
  const gone = new Set(plan.evictions.flatMap((e) => e.paths));
  for (const p of paths) {
    if (gone.has(p.hashPart)) continue;
    for (const r of p.references)
      assert.ok(!gone.has(r), `${p.baseName} kept but its reference ${r} evicted`);
  }
}

describe('eviction plan', () => {
  it('evicts nothing under the quota', () => {
    const paths = [path('glibc', 10), path('app', 5, ['glibc'])];
    const plan = planEviction(paths, policy(100), NOW);
    assert.deepEqual(plan.evictions, []);
    assert.equal(plan.totalBytes, 15 * MiB);
  });

  it('never evicts tier 1, and evicts cheap large unused roots before valuable ones', () => {
    const paths = [
      path('glibc', 20),
      path('python3', 40, ['glibc'], { tier: 1, buildSeconds: 5400 }),
      path('ripgrep', 30, ['glibc'], { buildSeconds: 60 }),
      path('rustc', 30, ['glibc'], { buildSeconds: 3600, hits: 5, lastAccess: NOW - DAY }),
    ];
    const plan = planEviction(paths, policy(100), NOW);
    assert.deepEqual(evicted(plan), ['ripgrep']);
    assert.equal(plan.bytesAfter, 90 * MiB);
    assert.equal(plan.bytesPerTier[1], 60 * MiB, 'glibc is tier 1 through python3');
    assertClosed(paths, plan);
  });

  it('frees only what no other root holds', () => {
    const paths = [path('lib', 50), path('a', 10, ['lib']), path('b', 10, ['lib'])];
    const plan = planEviction(paths, policy(65), NOW);
    // Evicting one of a/b frees 10 MiB, not 60: lib is still held by the other.
    assert.equal(plan.evictions.length, 1);
    assert.equal(plan.evictions[0]?.bytesFreed, 10 * MiB);
    assertClosed(paths, plan);
  });

  it('removes whole closures when their last root goes', () => {
    const paths = [path('dep', 40), path('tool', 10, ['dep']), path('other', 10)];
    const plan = planEviction(paths, policy(30), NOW);
    assert.deepEqual(evicted(plan), ['dep', 'tool']);
    assertClosed(paths, plan);
  });

  it('expires tier-3 roots past their TTL whatever the quota', () => {
    const paths = [
      path('jq', 1, [], { tier: 3, createdAt: NOW - 2 * DAY }),
      path('fresh', 1, [], { tier: 3, createdAt: NOW - DAY / 2 }),
    ];
    const plan = planEviction(paths, policy(undefined), NOW);
    assert.deepEqual(evicted(plan), ['jq']);
    assert.equal(plan.evictions[0]?.reason, 'tier3-ttl');
  });

  it('takes tiers from rules: glob, regex, build time and size', () => {
    const rules = [
      { tier: 1 as const, match: 'python3-*' },
      { tier: 3 as const, match: '/^(jq|fd)-/' },
      { tier: 1 as const, minBuildSeconds: 3000 },
      { tier: 3 as const, minSize: 50 * MiB },
    ];
    const paths = [
      path('python3-3.12', 10),
      path('jq-1.7', 10),
      path('gcc-13', 10, [], { buildSeconds: 4000 }),
      path('big-data', 60),
      path('hello-1', 10),
    ];
    const plan = planEviction(paths, policy(undefined, { rules }), NOW);
    const tiers = Object.fromEntries(plan.roots.map((r) => [r.baseName.slice(33), r.tier]));
    assert.deepEqual(tiers, {
      'python3-3.12': 1,
      'jq-1.7': 3,
      'gcc-13': 1,
      'big-data': 3,
      'hello-1': 2,
    });
  });

  it('keeps a pinned path and its closure even when a referrer goes', () => {
    const paths = [path('base', 30, [], { pinned: true, tier: 1 }), path('app', 30, ['base'])];
    const plan = planEviction(paths, policy(40), NOW);
    assert.deepEqual(evicted(plan), ['app']);
  });

  it('never evicts young roots or protected closures (uploads in flight)', () => {
    const paths = [
      path('old', 30),
      path('young', 30, [], { createdAt: NOW - 60_000 }),
      path('incoming', 30, ['old']),
    ];
    const plan = planEviction(paths, policy(40), NOW, ['incoming'.padEnd(32, '0')]);
    assert.deepEqual(evicted(plan), []);
  });

  it('reports when tier 1 alone exceeds the quota, with the largest tier-1 roots', () => {
    const paths = [
      path('llvm', 80, [], { tier: 1 }),
      path('python3', 40, [], { tier: 1 }),
      path('jq', 5),
    ];
    const plan = planEviction(paths, policy(100), NOW);
    assert.ok(plan.overQuotaByTier1);
    assert.equal(plan.overQuotaByTier1.tier1Bytes, 120 * MiB);
    assert.deepEqual(
      plan.overQuotaByTier1.largestTier1.map((r) => r.baseName.slice(33)),
      ['llvm', 'python3'],
    );
  });

  it('keeps every narinfo closed on random graphs', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const paths: RetainedPath[] = [];
      for (let i = 0; i < 40; i++) {
        const refs = paths.filter(() => rnd() < 0.08).map((p) => p.hashPart.replace(/0+$/, ''));
        paths.push(
          path(`p${round}x${i}y`, 1 + Math.floor(rnd() * 20), refs, {
            tier: rnd() < 0.1 ? 1 : undefined,
            hits: Math.floor(rnd() * 5),
            lastAccess: NOW - rnd() * 10 * DAY,
          }),
        );
      }
      const plan = planEviction(paths, policy(100), NOW);
      assertClosed(paths, plan);
      const gone = plan.evictions.reduce((s, e) => s + e.bytesFreed, 0);
      assert.equal(plan.bytesAfter, plan.totalBytes - gone);
      if (!plan.overQuotaByTier1)
        assert.ok(
          plan.bytesAfter <= 100 * MiB ||
            plan.roots.every(
              (r) => r.tier === 1 || plan.evictions.some((e) => e.root.hashPart === r.hashPart),
            ),
        );
    }
  });
});
