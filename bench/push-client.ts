/**
 * `larder push` against `nix copy --to` the same larder (zstd both), fresh server each run,
 * for a 200 MiB closure of 20 paths and for 2,000 small paths; median of the runs and the
 * larder client's peak RSS. Goal (issue 3): larder push ≤ 0.7× the time of nix copy.
 * Run: node bench/push-client.ts   (BENCH_RUNS, BENCH_SMALL to change the load)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NixEnv } from '../test/helpers/nix-env.ts';
import { runBench } from './helpers/cleanup.ts';
import { exec } from './helpers/exec.ts';
import { type Larder, netrcArgs, startLarder } from './helpers/larder.ts';
import { statusBytes } from './helpers/proc.ts';
import { fmt, median, mib, printReport, ratio, step } from './helpers/report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SMALL = Number(process.env.BENCH_SMALL ?? 2000);
const BIN = join(import.meta.dirname, '..', 'bin', 'larder.js');

/** Runs `larder push`, sampling its RSS; resolves with seconds and peak RSS in bytes. */
function larderPush(
  l: Larder,
  store: string,
  paths: string[],
  env: NodeJS.ProcessEnv,
  listFile: string,
  level = 3,
) {
  return new Promise<{ seconds: number; peakRss: number }>((resolve, reject) => {
    writeFileSync(listFile, paths.join('\n'));
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'push',
        'main',
        '--store',
        store,
        '--json',
        '--jobs',
        '4',
        '--compression-level',
        String(level),
        ...paths,
      ],
      {
        env: { ...env, LARDER_SERVER: l.url, LARDER_TOKEN: l.adminToken },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let peak = 0;
    const timer = setInterval(() => {
      try {
        peak = Math.max(peak, statusBytes(child.pid as number, 'VmHWM'));
      } catch {
        // exited between samples
      }
    }, 20);
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.stdout.resume();
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`larder push failed: ${err}`));
      else resolve({ seconds: (performance.now() - t0) / 1000, peakRss: peak });
    });
  });
}

/** Compressed bytes the cache stores (what its quota counts). */
async function stored(l: Larder): Promise<number> {
  const res = await fetch(`${l.url}/_api/v1/main/stats`, {
    headers: { authorization: `Bearer ${l.adminToken}` },
  });
  return ((await res.json()) as { totalBytes: number }).totalBytes;
}

async function missing(l: Larder, paths: string[]): Promise<number> {
  const res = await fetch(`${l.url}/_api/v1/main/missing`, {
    method: 'POST',
    headers: { authorization: `Bearer ${l.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ paths }),
  });
  return ((await res.json()) as { missing: string[] }).missing.length;
}

await runBench(async (defer) => {
  const tmp = mkdtempSync(join(tmpdir(), 'larder-bench-pushc-'));
  defer(() => rmSync(tmp, { recursive: true, force: true }));
  const nix = NixEnv.create('larder-bench-nix-');
  defer(() => nix.cleanup());
  const store = nix.store('src');

  step('building a 20-path closure of about 200 MiB');
  const deps = Array.from({ length: 19 }, (_, i) =>
    nix.busyboxDrv(
      `bench-pc-${i}`,
      i % 2 === 0
        ? `$bb mkdir $out; $bb dd if=/dev/urandom of=$out/blob bs=1048576 count=10 2>/dev/null`
        : `$bb mkdir $out; $bb dd if=/dev/urandom bs=1048576 count=5 2>/dev/null | $bb od -An -x > $out/hex`,
    ),
  );
  const top = nix
    .build(
      store,
      nix.busyboxDrv(
        'bench-pc-top',
        `echo ${deps.map((_, i) => `$dep${i}`).join(' ')} > $out`,
        deps,
      ),
    )
    .trim();
  const big = nix.run(['nix-store', '--store', store, '-qR', top]).trim().split('\n');
  step(`adding ${SMALL} small paths`);
  const smallDir = join(tmp, 'small');
  const files: string[] = [];
  rmSync(smallDir, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(smallDir);
  for (let i = 0; i < SMALL; i++) {
    const f = join(smallDir, `s${i}.txt`);
    writeFileSync(f, `small file ${i} ${'x'.repeat(i % 200)}\n`);
    files.push(f);
  }
  const small: string[] = [];
  for (let i = 0; i < files.length; i += 500)
    small.push(...nix.add(store, ...files.slice(i, i + 500)));

  const rows = [];
  for (const [name, paths] of [
    [`${big.length} paths, ~200 MiB`, [top]],
    [`${small.length} small paths`, small],
  ] as const) {
    const copyT: number[] = [];
    const pushT: number[] = [];
    const fastT: number[] = [];
    const rss: number[] = [];
    const bytes = { 'nix copy': 0, 'larder push': 0, 'larder push -1': 0 };
    for (let run = 1; run <= RUNS; run++) {
      for (const which of ['nix copy', 'larder push', 'larder push -1'] as const) {
        const data = join(tmp, `larder-${run}-${which.replace(' ', '-')}`);
        const l = await startLarder(data);
        try {
          const all = paths === small ? small : big;
          if (which === 'nix copy') {
            const t0 = performance.now();
            await exec(
              [
                'nix',
                'copy',
                '--store',
                store,
                '--to',
                `${l.cacheUrl}?compression=zstd`,
                ...paths,
                ...netrcArgs(l),
              ],
              {
                env: nix.env,
                timeoutMs: 900_000,
              },
            );
            copyT.push((performance.now() - t0) / 1000);
          } else {
            const level = which === 'larder push' ? 3 : 1;
            const r = await larderPush(l, store, [...paths], nix.env, join(tmp, 'list'), level);
            (level === 3 ? pushT : fastT).push(r.seconds);
            rss.push(r.peakRss);
          }
          bytes[which] = await stored(l);
          const left = await missing(l, all);
          if (left !== 0) throw new Error(`${which} left ${left} paths missing`);
        } finally {
          await l.stop();
          rmSync(data, { recursive: true, force: true });
        }
        step(
          `${name}, run ${run}: ${which} ${fmt((which === 'nix copy' ? copyT : which === 'larder push' ? pushT : fastT).at(-1) as number, 2)} s`,
        );
      }
    }
    rows.push(
      {
        measure: `${name}: seconds (median)`,
        baseline: fmt(median(copyT), 2),
        larder: fmt(median(pushT), 2),
        ratio: ratio(median(pushT), median(copyT)),
        goal: '<= 0.70x',
      },
      {
        measure: `${name}: same, --compression-level 1`,
        baseline: fmt(median(copyT), 2),
        larder: fmt(median(fastT), 2),
        ratio: ratio(median(fastT), median(copyT)),
        goal: '<= 0.70x',
      },
      {
        measure: `${name}: MiB stored, level 3 / level 1`,
        baseline: fmt(mib(bytes['nix copy']), 1),
        larder: `${fmt(mib(bytes['larder push']), 1)} / ${fmt(mib(bytes['larder push -1']), 1)}`,
        ratio: `${(bytes['larder push'] / bytes['nix copy']).toFixed(2)}x / ${(bytes['larder push -1'] / bytes['nix copy']).toFixed(2)}x`,
        goal: '',
      },
      {
        measure: `${name}: client peak RSS, MiB`,
        baseline: '-',
        larder: fmt(mib(Math.max(...rss)), 0),
        ratio: '',
        goal: '< 150',
      },
    );
  }
  printReport(
    `push client: larder push vs nix copy to the same larder, zstd, median of ${RUNS}`,
    'nix copy',
    rows,
  );
});
