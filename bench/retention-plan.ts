// Eviction planning time and memory on synthetic caches of 100,000 and 1,000,000 paths with
// closures of realistic shape: a shared base (libc, compilers) every package references,
// a middle layer of libraries, and leaf packages referencing a few of them. Rows are made
// one at a time and fed to the planner's graph, as the index streams them, so the peak RSS
// is the planner's own (plus Node's), not that of a million row objects held by the bench.
// Run: node --expose-gc bench/retention-plan.ts
import { RetentionGraph } from '../src/retention/graph.ts';
import type { RetainedPath } from '../src/retention/index.ts';
import { analyse, planOf } from '../src/retention/plan.ts';

const MiB = 1024 * 1024;
const DAY = 86_400_000;

function* synth(n: number, now: number): Generator<RetainedPath> {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const hash = (i: number) => i.toString(36).padStart(32, '0');
  const base = Math.max(20, Math.floor(n * 0.001));
  const libs = Math.floor(n * 0.3);
  for (let i = 0; i < n; i++) {
    const refs: string[] = [];
    if (i >= base) for (let k = 0; k < 3; k++) refs.push(hash(Math.floor(rnd() * base)));
    if (i >= base + libs)
      for (let k = 0; k < 4; k++) refs.push(hash(base + Math.floor(rnd() * libs)));
    yield {
      hashPart: hash(i),
      baseName: `${hash(i)}-pkg-${i}`,
      references: refs,
      bytes: Math.floor(rnd() * 4 * MiB),
      tier: rnd() < 0.01 ? 1 : undefined,
      pinned: false,
      buildSeconds: rnd() < 0.5 ? Math.floor(rnd() * 3600) : undefined,
      createdAt: now - 30 * DAY,
      lastAccess: now - Math.floor(rnd() * 20 * DAY),
      hits: Math.floor(rnd() * 10),
    };
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
const rssMiB = () => process.resourceUsage().maxRSS / 1024;
console.log(`retention planning, ${new Date().toISOString()}, node ${process.version}`);
console.log(
  'paths      roots     read+plan (s)  of it plan (s)  evicted roots  peak RSS (MiB)  typed arrays (MiB)',
);
for (const n of [100_000, 1_000_000]) {
  const now = Date.now();
  let total = 0;
  for (const p of synth(n, now)) total += p.bytes;
  gc?.();
  const t0 = performance.now();
  const g = new RetentionGraph(n);
  for (const p of synth(n, now)) g.add(p);
  g.finish();
  const t1 = performance.now();
  const cp = analyse(
    g,
    { quota: Math.floor(total * 0.8), rules: [], tier3TtlMs: DAY, uploadGraceMs: 0 },
    now,
  );
  const t2 = performance.now();
  // Everything the graph and the plan hold is in typed arrays, all still alive here.
  const arrays = process.memoryUsage().arrayBuffers / 2 ** 20;
  console.log(
    `${String(n).padEnd(10)} ${String(cp.roots.length).padEnd(9)} ${((t2 - t0) / 1000).toFixed(2).padEnd(14)} ${((t2 - t1) / 1000).toFixed(2).padEnd(15)} ${String(cp.evictionCount).padEnd(14)} ${rssMiB().toFixed(0).padEnd(15)} ${arrays.toFixed(0)}`,
  );
  if (n === 100_000) {
    // The plan as objects (what `larder gc --dry-run` and stats get for a small cache).
    const t3 = performance.now();
    const plan = planOf(cp, true);
    console.log(
      `           (as objects: ${((performance.now() - t3) / 1000).toFixed(2)} s more, ${plan.roots.length} root views)`,
    );
  }
}
