/**
 * Random narinfo GETs per second: larder (1 and 2 workers) against nginx serving the same
 * paths from a `nix copy --to file://` cache. Goal (issue 2): larder ≥ 0.8× nginx.
 * Run: node bench/narinfo.ts   (BENCH_PATHS, BENCH_SECONDS, BENCH_ROUNDS to change the load)
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { NixEnv } from '../test/helpers/nix-env.ts';
import { startBareNode } from './helpers/bare-node.ts';
import { runBench } from './helpers/cleanup.ts';
import { type Larder, netrcArgs, startLarder } from './helpers/larder.ts';
import { startNginx } from './helpers/nginx.ts';
import { cpuSeconds, processTree } from './helpers/proc.ts';
import { fmt, printReport, type Row, ratio, step } from './helpers/report.ts';
import { wrk } from './helpers/wrk.ts';

const PATHS = Number(process.env.BENCH_PATHS ?? 2500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LOAD = { threads: 2, connections: 64 };

await runBench(async (defer) => {
  const tmp = mkdtempSync(join(tmpdir(), 'larder-bench-narinfo-'));
  defer(() => rmSync(tmp, { recursive: true, force: true }));
  const nix = NixEnv.create('larder-bench-nix-');
  defer(() => nix.cleanup());

  step(`adding ${PATHS} small store paths`);
  const files = join(tmp, 'files');
  mkdirSync(files);
  const salt = randomBytes(6).toString('hex');
  const names = Array.from({ length: PATHS }, (_, i) => {
    const f = join(files, `narinfo-bench-${i}`);
    writeFileSync(f, `narinfo bench ${salt} ${i}\n`);
    return f;
  });
  const store = nix.store('src');
  const paths = nix.add(store, ...names);
  const hashes = paths.map((p) => basename(p).slice(0, 32));

  // zstd rather than the default xz only to make the setup quicker (larder runs xz as a
  // process per NAR); the narinfos read the same either way.
  step('nix copy --to file:// (the nginx baseline)');
  const fileCache = join(tmp, 'file-cache');
  nix.copyTo(store, `file://${fileCache}?compression=zstd`, paths);

  step('nix copy --to larder');
  const data1 = join(tmp, 'larder-1');
  const pusher = await startLarder(data1);
  try {
    nix.copyTo(store, `${pusher.cacheUrl}?compression=zstd`, paths, netrcArgs(pusher));
  } finally {
    await pusher.stop();
  }
  // Same cache for the 2-worker server, so both can run side by side and rounds interleave.
  const data2 = join(tmp, 'larder-2');
  cpSync(data1, data2, { recursive: true });
  const data3 = join(tmp, 'larder-3');
  cpSync(data1, data3, { recursive: true });

  step('starting nginx and larder (1 worker, 2 workers)');
  const nginx = await startNginx({ root: fileCache, workDir: join(tmp, 'nginx') });
  defer(() => nginx.stop());
  const larder1 = await startLarder(data1, { workers: 1 });
  defer(() => larder1.stop());
  const larder2 = await startLarder(data2, { workers: 2 });
  defer(() => larder2.stop());
  const slow = await startLarder(data3, { workers: 1, fastLane: false });
  defer(() => slow.stop());

  const bare = await startBareNode(fileCache);
  defer(() => bare.stop());

  step('checking that every narinfo answers 200 with the same body (Sig aside)');
  await checkSame(nginx.url, [larder1, larder2, slow], hashes);

  const nginxList = join(tmp, 'nginx.list');
  const larderList = join(tmp, 'larder.list');
  writeFileSync(nginxList, hashes.map((h) => `/${h}.narinfo\n`).join(''));
  writeFileSync(larderList, hashes.map((h) => `/main/${h}.narinfo\n`).join(''));

  const targets = [
    { name: 'nginx', url: nginx.url, list: nginxList, pid: nginx.child.pid as number },
    { name: 'larder-1', url: larder1.url, list: larderList, pid: larder1.child.pid as number },
    { name: 'larder-2', url: larder2.url, list: larderList, pid: larder2.child.pid as number },
    { name: 'no-fast-lane', url: slow.url, list: larderList, pid: slow.child.pid as number },
    { name: 'bare-node', url: bare.url, list: nginxList, pid: bare.child.pid as number },
  ];
  const rps = new Map<string, number[]>();
  const cpuPer10k = new Map<string, number[]>();
  for (const t of targets) {
    step(`warming up ${t.name}`);
    await wrk(t.url, t.list, { ...LOAD, seconds: 2 });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      step(`round ${round}/${ROUNDS}: wrk ${SECONDS}s against ${t.name}`);
      const pids = processTree(t.pid);
      const cpu0 = cpuSeconds(pids);
      const r = await wrk(t.url, t.list, { ...LOAD, seconds: SECONDS });
      const cpu = cpuSeconds(pids) - cpu0;
      if (r.non2xx > 0 || r.socketErrors > 0)
        throw new Error(
          `${t.name}: ${r.non2xx} non-2xx responses, ${r.socketErrors} socket errors (${r.socketDetail})`,
        );
      step(`  ${fmt(r.rps, 0)} req/s, mean latency ${r.latency}, server CPU ${fmt(cpu, 1)} s`);
      rps.set(t.name, [...(rps.get(t.name) ?? []), r.rps]);
      const per10k = (cpu / (r.rps * SECONDS)) * 10_000;
      cpuPer10k.set(t.name, [...(cpuPer10k.get(t.name) ?? []), per10k]);
    }
  }

  const mean = (xs: number[] = []) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const base = mean(rps.get('nginx'));
  const rows: Row[] = [];
  for (const [name, label] of [
    ['larder-1', '1 worker'],
    ['larder-2', '2 workers'],
    ['no-fast-lane', '1 worker, fast_lane = false'],
    ['bare-node', 'bare node:http from memory'],
  ] as const) {
    const l = mean(rps.get(name));
    rows.push({
      measure: `narinfo GET/s, ${label}`,
      baseline: fmt(base, 0),
      larder: fmt(l, 0),
      ratio: ratio(l, base),
      goal: name === 'larder-1' || name === 'larder-2' ? '>= 0.80x' : '(info)',
    });
  }
  for (const [name, label] of [
    ['larder-1', '1 worker'],
    ['larder-2', '2 workers'],
    ['no-fast-lane', '1 worker, fast_lane = false'],
    ['bare-node', 'bare node:http'],
  ] as const) {
    const b = mean(cpuPer10k.get('nginx'));
    const l = mean(cpuPer10k.get(name));
    rows.push({
      measure: `server CPU s per 10k GETs, ${label}`,
      baseline: fmt(b, 2),
      larder: fmt(l, 2),
      ratio: ratio(l, b),
      goal: '(info)',
    });
  }
  printReport(
    `narinfo: ${PATHS} paths, wrk -t${LOAD.threads} -c${LOAD.connections} ${SECONDS}s x ${ROUNDS} rounds (mean), random paths`,
    'nginx',
    rows,
  );
});

/** Every narinfo: 200 from both, identical bodies once larder's `Sig:` lines are set aside. */
async function checkSame(nginxUrl: string, larders: Larder[], hashes: string[]): Promise<void> {
  const get = async (url: string) => {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body}`);
    return body;
  };
  const noSig = (s: string) => s.replace(/^Sig: .*\n/gm, '');
  let next = 0;
  const worker = async () => {
    while (next < hashes.length) {
      const h = hashes[next++] as string;
      const want = await get(`${nginxUrl}/${h}.narinfo`);
      if (/^Sig: /m.test(want)) throw new Error(`the file:// narinfo of ${h} is signed`);
      for (const l of larders) {
        const got = await get(`${l.cacheUrl}/${h}.narinfo`);
        if (!/^Sig: /m.test(got)) throw new Error(`larder's narinfo of ${h} has no signature`);
        if (noSig(got) !== want)
          throw new Error(`narinfo ${h} differs:\n--- nginx\n${want}--- larder\n${got}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
