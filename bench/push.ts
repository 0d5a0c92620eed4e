/**
 * `nix copy --to 'http://larder/main?compression=zstd'` against `nix copy --to
 * 'file://<dir>?compression=zstd'` of the same ~200 MiB closure, fresh destination each run,
 * median of the runs. Goal (issue 2): larder ≤ 1.3× the time. Beside them, the same copy to
 * two servers that check nothing: a Node one that stores nothing (bench/helpers/sink-cache.ts)
 * and nginx storing the files by WebDAV PUT. What Nix's HTTP client alone costs over file://.
 * Run: node bench/push.ts   (BENCH_RUNS to change the number of runs)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NixEnv } from '../test/helpers/nix-env.ts';
import { runBench } from './helpers/cleanup.ts';
import { exec } from './helpers/exec.ts';
import { type Larder, netrcArgs, startLarder } from './helpers/larder.ts';
import { startNginx } from './helpers/nginx.ts';
import { cpuSeconds, processTree } from './helpers/proc.ts';
import { fmt, median, mib, printReport, ratio, step } from './helpers/report.ts';
import { startSinkCache } from './helpers/sink-cache.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/**
 * Five paths, four referenced by the top one: incompressible random data, text that zstd
 * squeezes a lot (`seq`), text it squeezes about 2× (`od -x` of random bytes), and a tree of
 * 500 small files, as real closures mix all of these.
 */
function closureExpr(nix: NixEnv): string {
  const random = nix.busyboxDrv(
    'bench-push-random',
    '$bb mkdir $out; $bb dd if=/dev/urandom of=$out/blob bs=1048576 count=64 2>/dev/null',
  );
  const numbers = nix.busyboxDrv(
    'bench-push-numbers',
    '$bb mkdir $out; $bb seq 1 6000000 > $out/numbers',
  );
  const hex = nix.busyboxDrv(
    'bench-push-hex',
    '$bb mkdir $out; $bb dd if=/dev/urandom bs=1048576 count=16 2>/dev/null | $bb od -An -x > $out/hex',
  );
  const tree = nix.busyboxDrv(
    'bench-push-tree',
    '$bb mkdir -p $out/share; for i in $($bb seq 1 500); do echo "small file $i" > $out/share/f$i; done',
  );
  return nix.busyboxDrv(
    'bench-push-top',
    [
      '$bb mkdir -p $out/bin',
      'echo $dep0 $dep1 $dep2 $dep3 > $out/refs',
      '$bb dd if=/dev/urandom of=$out/bin/blob bs=1048576 count=24 2>/dev/null',
      '$bb dd if=/dev/urandom bs=1048576 count=9 2>/dev/null | $bb od -An -x > $out/hex',
    ].join('; '),
    [random, numbers, hex, tree],
  );
}

await runBench(async (defer) => {
  const tmp = mkdtempSync(join(tmpdir(), 'larder-bench-push-'));
  defer(() => rmSync(tmp, { recursive: true, force: true }));
  const nix = NixEnv.create('larder-bench-nix-');
  defer(() => nix.cleanup());

  step('building the closure');
  const store = nix.store('src');
  const top = nix.build(store, closureExpr(nix)).trim();
  const closure = nix.run(['nix-store', '--store', store, '-qR', top]).trim().split('\n');
  const narBytes = closure
    .map((p) => Number(nix.run(['nix-store', '--store', store, '-q', '--size', p]).trim()))
    .reduce((a, b) => a + b, 0);
  step(`${closure.length} paths, ${fmt(mib(narBytes), 0)} MiB of NAR`);

  const copy = (to: string, extra: string[] = []) =>
    exec(['nix', 'copy', '--store', store, '--to', to, top, ...extra], {
      env: nix.env,
      timeoutMs: 600_000,
    });
  const fileTimes: number[] = [];
  const sinkTimes: number[] = [];
  const davTimes: number[] = [];
  const larderTimes: number[] = [];
  const larderCpu: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const dir = join(tmp, `file-cache-${run}`);
    let t0 = performance.now();
    await copy(`file://${dir}?compression=zstd`);
    fileTimes.push((performance.now() - t0) / 1000);
    rmSync(dir, { recursive: true, force: true });
    step(`run ${run}/${RUNS} file://: ${fmt(fileTimes.at(-1) as number, 2)} s`);

    const sink = await startSinkCache();
    try {
      t0 = performance.now();
      await copy(`${sink.url}?compression=zstd`);
      sinkTimes.push((performance.now() - t0) / 1000);
    } finally {
      sink.stop();
    }
    step(`run ${run}/${RUNS} sink: ${fmt(sinkTimes.at(-1) as number, 2)} s`);

    // nginx keeps what Nix PUTs and serves it back (Nix reads references' narinfos).
    const davRoot = join(tmp, `dav-${run}`);
    mkdirSync(davRoot);
    writeFileSync(
      join(davRoot, 'nix-cache-info'),
      'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n',
    );
    const nginx = await startNginx({
      root: davRoot,
      workDir: join(tmp, `dav-work-${run}`),
      put: true,
    });
    try {
      t0 = performance.now();
      await copy(`${nginx.url}?compression=zstd`);
      davTimes.push((performance.now() - t0) / 1000);
    } finally {
      await nginx.stop();
      rmSync(davRoot, { recursive: true, force: true });
    }
    step(`run ${run}/${RUNS} nginx WebDAV: ${fmt(davTimes.at(-1) as number, 2)} s`);

    // A fresh server and data dir each run: a NAR larder has already stored is only
    // hashed on the second upload, which would flatter it.
    const data = join(tmp, `larder-${run}`);
    const larder: Larder = await startLarder(data);
    try {
      const pids = processTree(larder.child.pid as number);
      const cpu0 = cpuSeconds(pids);
      t0 = performance.now();
      await copy(`${larder.cacheUrl}?compression=zstd`, netrcArgs(larder));
      larderTimes.push((performance.now() - t0) / 1000);
      larderCpu.push(cpuSeconds(pids) - cpu0);
      const listed = nix.run(['nix', 'path-info', '--store', larder.cacheUrl, '-r', top]);
      if (listed.trim().split('\n').length !== closure.length)
        throw new Error(`larder has ${listed} after the push, expected ${closure.length} paths`);
    } finally {
      await larder.stop();
      rmSync(data, { recursive: true, force: true });
    }
    step(
      `run ${run}/${RUNS} larder: ${fmt(larderTimes.at(-1) as number, 2)} s, server CPU ${fmt(larderCpu.at(-1) as number, 2)} s`,
    );
  }
  const base = median(fileTimes);
  const l = median(larderTimes);
  /** A floor's median against file://, then its runs. */
  const floor = (measure: string, times: number[]) => [
    {
      measure,
      baseline: fmt(base, 2),
      larder: fmt(median(times), 2),
      ratio: ratio(median(times), base),
      goal: '(floor)',
    },
    {
      measure: 'its runs, seconds',
      baseline: '',
      larder: times.map((t) => fmt(t, 2)).join(' '),
      ratio: '',
      goal: '',
    },
  ];
  printReport(
    `push: nix copy of ${closure.length} paths (${fmt(mib(narBytes), 0)} MiB NAR), compression=zstd, median of ${RUNS} runs`,
    'file://',
    [
      {
        measure: 'seconds (median)',
        baseline: fmt(base, 2),
        larder: fmt(l, 2),
        ratio: ratio(l, base),
        goal: '<= 1.30x',
      },
      {
        measure: 'all runs, seconds',
        baseline: fileTimes.map((t) => fmt(t, 2)).join(' '),
        larder: larderTimes.map((t) => fmt(t, 2)).join(' '),
        ratio: '',
        goal: '',
      },
      ...floor('same run: a server that checks nothing', sinkTimes),
      ...floor('same run: nginx storing the PUTs (WebDAV)', davTimes),
      {
        measure: 'larder server CPU s (median)',
        baseline: '-',
        larder: fmt(median(larderCpu), 2),
        ratio: '',
        goal: '(info)',
      },
    ],
  );
});
