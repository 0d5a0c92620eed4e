// Eviction planning time and memory on synthetic caches of 100,000 and 1,000,000 paths with
// closures of realistic shape: a shared base (libc, compilers) every package references,
// a middle layer of libraries, and leaf packages referencing a few of them.
// Run: node --expose-gc bench/retention-plan.ts
import { planEviction, type RetainedPath } from '../src/retention/index.ts';

const MiB = 1024 * 1024;
const DAY = 86_400_000;

function synth(n: number): RetainedPath[] {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const now = Date.now();
  const hash = (i: number) => i.toString(36).padStart(32, '0');
  const paths: RetainedPath[] = [];
  const base = Math.max(20, Math.floor(n * 0.001));
  const libs = Math.floor(n * 0.3);
  for (let i = 0; i < n; i++) {
    const refs: string[] = [];
    if (i >= base) for (let k = 0; k < 3; k++) refs.push(hash(Math.floor(rnd() * base)));
    if (i >= base + libs)
      for (let k = 0; k < 4; k++) refs.push(hash(base + Math.floor(rnd() * libs)));
    paths.push({
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
    });
  }
  return paths;
}

const gc = (globalThis as { gc?: () => void }).gc;
console.log(`retention planning, ${new Date().toISOString()}, node ${process.version}`);
console.log('paths      roots     plan (s)   evicted roots   peak RSS (MiB)');
for (const n of [100_000, 1_000_000]) {
  const paths = synth(n);
  const total = paths.reduce((s, p) => s + p.bytes, 0);
  gc?.();
  const t0 = performance.now();
  const plan = planEviction(
    paths,
    { quota: Math.floor(total * 0.8), rules: [], tier3TtlMs: DAY, uploadGraceMs: 0 },
    Date.now(),
  );
  const secs = (performance.now() - t0) / 1000;
  const heap = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${String(n).padEnd(10)} ${String(plan.roots.length).padEnd(9)} ${secs.toFixed(2).padEnd(10)} ${String(plan.evictions.length).padEnd(15)} ${heap.toFixed(0)}`,
  );
}
