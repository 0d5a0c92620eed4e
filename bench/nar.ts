/**
 * NAR download throughput: a 256 MiB uncompressed NAR from larder (1 and 2 workers) against
 * nginx serving the same file from a `nix copy --to file://` cache, 1 stream and 8 parallel
 * streams. Goal (issue 2): larder ≥ 0.8× nginx.
 * Run: node bench/nar.ts   (BENCH_NAR_MIB, BENCH_REPS to change the load)
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, cpSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NixEnv } from '../test/helpers/nix-env.ts';
import { runBench } from './helpers/cleanup.ts';
import { download } from './helpers/download.ts';
import { netrcArgs, startLarder } from './helpers/larder.ts';
import { startNginx } from './helpers/nginx.ts';
import { cpuSeconds, processTree } from './helpers/proc.ts';
import { fmt, mib, printReport, type Row, ratio, step } from './helpers/report.ts';

const NAR_MIB = Number(process.env.BENCH_NAR_MIB ?? 256);
const REPS = Number(process.env.BENCH_REPS ?? 3);
/** Parallel streams; each measurement moves `MAX_STREAMS` NARs, so 1 stream fetches it 8 times. */
const STREAMS = [1, 8];
const MAX_STREAMS = Math.max(...STREAMS);

await runBench(async (defer) => {
  const tmp = mkdtempSync(join(tmpdir(), 'larder-bench-nar-'));
  defer(() => rmSync(tmp, { recursive: true, force: true }));
  const nix = NixEnv.create('larder-bench-nix-');
  defer(() => nix.cleanup());

  step(`writing ${NAR_MIB} MiB of random data and adding it to a store`);
  const file = join(tmp, 'random.bin');
  writeRandom(file, NAR_MIB * 2 ** 20);
  const store = nix.store('src');
  const [path] = nix.add(store, file);
  if (!path) throw new Error('nix-store --add printed no path');
  rmSync(file);

  // compression=none on both sides, so both serve the very same bytes.
  step('nix copy --to file:// and --to larder, compression=none');
  const fileCache = join(tmp, 'file-cache');
  nix.copyTo(store, `file://${fileCache}?compression=none`, [path]);
  const data1 = join(tmp, 'larder-1');
  const pusher = await startLarder(data1);
  try {
    nix.copyTo(store, `${pusher.cacheUrl}?compression=none`, [path], netrcArgs(pusher));
  } finally {
    await pusher.stop();
  }
  const data2 = join(tmp, 'larder-2');
  cpSync(data1, data2, { recursive: true });

  step('starting nginx and larder (1 worker, 2 workers)');
  const nginx = await startNginx({ root: fileCache, workDir: join(tmp, 'nginx') });
  defer(() => nginx.stop());
  const larder1 = await startLarder(data1, { workers: 1 });
  defer(() => larder1.stop());
  const larder2 = await startLarder(data2, { workers: 2 });
  defer(() => larder2.stop());

  const hash = path.slice('/nix/store/'.length, '/nix/store/'.length + 32);
  const narinfo = await (await fetch(`${nginx.url}/${hash}.narinfo`)).text();
  const narUrl = /^URL: (.+)$/m.exec(narinfo)?.[1];
  const size = Number(/^FileSize: (\d+)$/m.exec(narinfo)?.[1]);
  if (!narUrl?.endsWith('.nar')) throw new Error(`expected an uncompressed NAR:\n${narinfo}`);
  const targets = [
    { name: 'nginx', url: `${nginx.url}/${narUrl}`, pid: nginx.child.pid as number },
    { name: 'larder-1', url: `${larder1.cacheUrl}/${narUrl}`, pid: larder1.child.pid as number },
    { name: 'larder-2', url: `${larder2.cacheUrl}/${narUrl}`, pid: larder2.child.pid as number },
  ];
  for (const t of targets) {
    const res = await fetch(t.url, { method: 'HEAD' });
    if (res.status !== 200 || Number(res.headers.get('content-length')) !== size)
      throw new Error(`${t.url}: ${res.status}, length ${res.headers.get('content-length')}`);
  }

  // Warm the page cache and the JIT, then interleave the targets so drift hits all alike.
  for (const t of targets) await download(t.url, 1);
  const results = new Map<string, { bytes: number; seconds: number; cpu: number }>();
  for (let rep = 1; rep <= REPS; rep++) {
    for (const streams of STREAMS) {
      for (const t of targets) {
        const pids = processTree(t.pid);
        const cpu0 = cpuSeconds(pids);
        const r = await download(t.url, streams, MAX_STREAMS / streams);
        const cpu = cpuSeconds(pids) - cpu0;
        if (r.bytes !== size * MAX_STREAMS)
          throw new Error(`${t.name}: got ${r.bytes} bytes, expected ${size * MAX_STREAMS}`);
        step(
          `rep ${rep}/${REPS} ${streams} stream(s) ${t.name}: ${fmt(mib(r.bytes) / r.seconds, 0)} MiB/s, server CPU ${fmt(cpu, 2)} s`,
        );
        const key = `${t.name}/${streams}`;
        const acc = results.get(key) ?? { bytes: 0, seconds: 0, cpu: 0 };
        results.set(key, {
          bytes: acc.bytes + r.bytes,
          seconds: acc.seconds + r.seconds,
          cpu: acc.cpu + cpu,
        });
      }
    }
  }

  const rate = (key: string) => {
    const r = results.get(key);
    return r ? mib(r.bytes) / r.seconds : Number.NaN;
  };
  const cpuPerGiB = (key: string) => {
    const r = results.get(key);
    return r ? r.cpu / (r.bytes / 2 ** 30) : Number.NaN;
  };
  const rows: Row[] = [];
  for (const streams of STREAMS) {
    for (const [name, label] of [
      ['larder-1', '1 worker'],
      ['larder-2', '2 workers'],
    ] as const) {
      const b = rate(`nginx/${streams}`);
      const l = rate(`${name}/${streams}`);
      rows.push({
        measure: `MiB/s, ${streams} stream${streams > 1 ? 's' : ''}, ${label}`,
        baseline: fmt(b, 0),
        larder: fmt(l, 0),
        ratio: ratio(l, b),
        goal: '>= 0.80x',
      });
    }
  }
  for (const name of ['larder-1', 'larder-2']) {
    const b = cpuPerGiB('nginx/8');
    const l = cpuPerGiB(`${name}/8`);
    rows.push({
      measure: `server CPU s per GiB, 8 streams, ${name === 'larder-1' ? '1 worker' : '2 workers'}`,
      baseline: fmt(b, 2),
      larder: fmt(l, 2),
      ratio: ratio(l, b),
      goal: '(info)',
    });
  }
  printReport(
    `nar: ${fmt(mib(size), 0)} MiB uncompressed NAR, curl to /dev/null, total bytes / wall time, ${MAX_STREAMS} NARs per measurement, ${REPS} reps`,
    'nginx',
    rows,
  );
});

/** `bytes` of random data (incompressible, so no compression step could shrink it). */
function writeRandom(file: string, bytes: number): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(16 * 2 ** 20);
  try {
    for (let left = bytes; left > 0; left -= chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(left, chunk.length));
    }
  } finally {
    closeSync(fd);
  }
}
