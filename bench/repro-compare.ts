// How fast `check-repro` names the differing files of two builds, against `diff -rq` (GNU
// diffutils) walking the same two trees. Both see warm page caches after a first pass, so
// this measures the walk and the comparison, not the disk.
//
//   PATH=$PWD/node_modules/.bin:$PATH node bench/repro-compare.ts
//
// Knobs: BENCH_FILES (small files, default 20,000), BENCH_BIG_MIB (one large file, default
// 256), BENCH_RUNS (default 5).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTrees } from '../src/tools/repro/index.ts';
import { runBench } from './helpers/cleanup.ts';
import { fmt, median, printReport, type Row, ratio, step } from './helpers/report.ts';

const FILES = Number(process.env.BENCH_FILES ?? 20_000);
const BIG_MIB = Number(process.env.BENCH_BIG_MIB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

await runBench(async (defer) => {
  const root = mkdtempSync(join(tmpdir(), 'larder-bench-repro-'));
  defer(() => rmSync(root, { recursive: true, force: true }));
  const a = join(root, 'a');
  step(`writing ${FILES} small files in 100 folders and one ${BIG_MIB} MiB file`);
  for (let d = 0; d < 100; d++) mkdirSync(join(a, 'share', `d${d}`), { recursive: true });
  for (let i = 0; i < FILES; i++)
    writeFileSync(join(a, 'share', `d${i % 100}`, `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 64)));
  mkdirSync(join(a, 'lib'));
  const big = Buffer.alloc(BIG_MIB * 2 ** 20, 7);
  writeFileSync(join(a, 'lib', 'big.so'), big);

  const cases: { name: string; b: string; expect: number }[] = [];
  step('copying: identical, and one with the big file differing in its last byte');
  const same = join(root, 'same');
  cpSync(a, same, { recursive: true });
  cases.push({ name: 'identical trees', b: same, expect: 0 });
  const late = join(root, 'late');
  cpSync(a, late, { recursive: true });
  big[big.length - 1] = 8;
  writeFileSync(join(late, 'lib', 'big.so'), big);
  cases.push({ name: 'last byte of the big file differs', b: late, expect: 1 });

  const rows: Row[] = [];
  for (const c of cases) {
    const ours: number[] = [];
    const theirs: number[] = [];
    // Warm the page cache for both before timing.
    compareTrees(a, c.b);
    spawnSync('diff', ['-rq', '--no-dereference', a, c.b]);
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      const found = compareTrees(a, c.b).length;
      ours.push(performance.now() - t);
      if (found !== c.expect) throw new Error(`${c.name}: ${found} differences, not ${c.expect}`);
      t = performance.now();
      const d = spawnSync('diff', ['-rq', '--no-dereference', a, c.b]);
      theirs.push(performance.now() - t);
      if (d.status !== (c.expect ? 1 : 0)) throw new Error(`diff exited ${d.status}`);
    }
    const [o, t] = [median(ours), median(theirs)];
    rows.push({
      measure: `${c.name} (ms)`,
      baseline: fmt(t),
      larder: fmt(o),
      ratio: ratio(o, t),
      goal: 'about diff -rq',
    });
  }
  printReport(
    `check-repro tree comparison: ${FILES} files + ${BIG_MIB} MiB, median of ${RUNS}`,
    'diff -rq',
    rows,
  );
});
