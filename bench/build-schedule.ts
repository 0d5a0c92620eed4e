/**
 * `larder build` on a synthetic graph of heavy, medium and light builds with a known lower
 * bound (max of the critical path and total memory-time ÷ budget), beside `nix-build
 * --max-jobs 1` and `--max-jobs 6` on the same graph, each in a fresh store. Builders hold
 * memory while sleeping (dd blocked on a pipe), so the makespan measures scheduling, not
 * the two CPUs of this machine. Goal (issue 5): larder's makespan ≤ 1.15× the lower bound
 * with peak memory ≤ budget.
 * Run: node bench/build-schedule.ts   (BENCH_SCALE=2 doubles every duration)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lowerBound } from '../src/build/index.ts';
import type { RunReport } from '../src/build/runner.ts';
import { type FixtureNode, hold, sampleMemory, writeGraph } from '../test/build/fixture.ts';
import { runLarder } from '../test/helpers/cli.ts';
import { NixEnv } from '../test/helpers/nix-env.ts';
import { runBench } from './helpers/cleanup.ts';
import { fmt, printReport, step } from './helpers/report.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const MIB = 2 ** 20;
const BUDGET_MIB = 4000;

/** Held memory and duration per class; the profile's estimates add 100 MiB for Nix itself. */
const CLASSES = {
  heavy: { mib: 1700, seconds: 10 * SCALE },
  medium: { mib: 900, seconds: 6 * SCALE },
  light: { mib: 150, seconds: 2 * SCALE },
};
type Class = keyof typeof CLASSES;

interface Spec {
  id: string;
  cls: Class;
  deps: string[];
}

/** 4 heavy, 12 medium, 30 light builds; a light → heavy → medium chain; some lights wait on mediums. */
function graph(): Spec[] {
  const g: Spec[] = [
    { id: 'l1', cls: 'light', deps: [] },
    { id: 'h1', cls: 'heavy', deps: ['l1'] },
    { id: 'm1', cls: 'medium', deps: ['h1'] },
  ];
  for (let i = 2; i <= 4; i++) g.push({ id: `h${i}`, cls: 'heavy', deps: [] });
  for (let i = 2; i <= 12; i++)
    g.push({ id: `m${i}`, cls: 'medium', deps: i % 2 ? [`l${i}`] : [] });
  for (let i = 2; i <= 30; i++)
    g.push({ id: `l${i}`, cls: 'light', deps: i > 12 && i % 3 === 0 ? [`m${2 + (i % 11)}`] : [] });
  return g;
}

await runBench(async (defer) => {
  const root = mkdtempSync(join(tmpdir(), 'larder-bench-build-'));
  defer(() => rmSync(root, { recursive: true, force: true }));
  const nix = NixEnv.create('larder-bench-build-nix-');
  defer(() => nix.cleanup());
  const marker = `bench${randomBytes(4).toString('hex')}`;
  const specs = graph();
  const nodes: FixtureNode[] = specs.map((s) => ({
    id: s.id,
    name: `${s.cls}-${s.id}-1.0`,
    script: `: ${marker}; ${hold(CLASSES[s.cls].mib, CLASSES[s.cls].seconds)}; echo ${s.deps.map((_, i) => `$dep${i}`).join(' ')} > $out; true`,
    deps: s.deps,
  }));
  const file = writeGraph(nix, join(root, 'graph.nix'), nodes);
  const estimate = (c: Class) => (CLASSES[c].mib + 100) * MIB;
  const profile = join(root, 'profile.toml');
  writeFileSync(
    profile,
    `name = "bench"
memory_budget = "${BUDGET_MIB}MiB"
cores = 2
max_jobs = 8
[tier.1]
match = ["heavy-*"]
memory = "${CLASSES.heavy.mib + 100}MiB"
seconds = ${CLASSES.heavy.seconds}
[tier.2]
match = ["medium-*"]
memory = "${CLASSES.medium.mib + 100}MiB"
seconds = ${CLASSES.medium.seconds}
[tier.3]
match = ["light-*"]
memory = "${CLASSES.light.mib + 100}MiB"
seconds = ${CLASSES.light.seconds}
`,
  );
  const jobs = new Map(
    specs.map((s) => [
      s.id,
      { id: s.id, deps: s.deps, memory: estimate(s.cls), seconds: CLASSES[s.cls].seconds },
    ]),
  );
  const budget = BUDGET_MIB * MIB;
  const bound = lowerBound(jobs, budget);
  step(`${specs.length} builds, budget ${BUDGET_MIB} MiB, lower bound ${fmt(bound)} s`);

  // Instantiate once so no run pays for evaluation or for adding busybox.
  const timed = async (name: string, run: (store: string) => Promise<unknown>) => {
    const store = nix.store(name);
    nix.run(['nix-instantiate', '--store', store, file]);
    const sampler = sampleMemory(marker, 0);
    const t0 = performance.now();
    const result = await run(store);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, peak: sampler.stop().maxSum, result };
  };

  step('larder build');
  const env = { ...nix.env, XDG_STATE_HOME: join(root, 'state') };
  const larder = await timed('larder', async (store) => {
    const r = await runLarder(
      ['build', '-f', file, '--store', store, '--profile', profile, '--json'],
      env,
    );
    if (r.code !== 0) throw new Error(`larder build failed: ${r.err}`);
    return JSON.parse(r.out) as RunReport;
  });
  const baselines: { n: number; seconds: number; peak: number }[] = [];
  for (const n of [1, 6]) {
    step(`nix-build --max-jobs ${n}`);
    const b = await timed(`nix${n}`, async (store) => {
      const r = nix.spawn([
        'nix-build',
        file,
        '--store',
        store,
        '--no-out-link',
        '--max-jobs',
        String(n),
        '--quiet',
      ]);
      const done = await r.done;
      if (done.code !== 0) throw new Error(`nix-build failed: ${done.stderr}`);
    });
    baselines.push({ n, seconds: b.seconds, peak: b.peak });
  }

  const report = larder.result as RunReport;
  const gib = (b: number) => `${fmt(b / 2 ** 30, 2)} GiB`;
  const rows = [
    {
      measure: 'larder build',
      baseline: `${fmt(bound)} s`,
      larder: `${fmt(larder.seconds)} s`,
      ratio: `${(larder.seconds / bound).toFixed(2)}x`,
      goal: '<= 1.15x',
    },
    {
      measure: '  peak builder memory (sampled here)',
      baseline: gib(budget),
      larder: gib(larder.peak),
      ratio: `${(larder.peak / budget).toFixed(2)}x`,
      goal: '<= 1.00x',
    },
    {
      measure: "  peak memory (larder's own report)",
      baseline: gib(budget),
      larder: gib(report.peakMemory),
      ratio: `${(report.peakMemory / budget).toFixed(2)}x`,
      goal: '<= 1.00x',
    },
    {
      measure: '  makespan larder estimated',
      baseline: `${fmt(bound)} s`,
      larder: `${fmt(report.estimatedMakespan)} s`,
      ratio: `${(report.estimatedMakespan / bound).toFixed(2)}x`,
      goal: '',
    },
    ...baselines.flatMap((b) => [
      {
        measure: `nix-build --max-jobs ${b.n}`,
        baseline: `${fmt(bound)} s`,
        larder: `${fmt(b.seconds)} s`,
        ratio: `${(b.seconds / bound).toFixed(2)}x`,
        goal: '',
      },
      {
        measure: '  peak builder memory',
        baseline: gib(budget),
        larder: gib(b.peak),
        ratio: `${(b.peak / budget).toFixed(2)}x`,
        goal: '',
      },
    ]),
  ];
  printReport(
    `build scheduling: ${specs.length} builds (4 heavy ${CLASSES.heavy.mib} MiB × ${CLASSES.heavy.seconds} s, 12 medium ${CLASSES.medium.mib} MiB × ${CLASSES.medium.seconds} s, 30 light ${CLASSES.light.mib} MiB × ${CLASSES.light.seconds} s), budget ${BUDGET_MIB} MiB`,
    'lower bound / budget',
    rows,
  );
});
