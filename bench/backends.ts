/**
 * narinfo GETs per second and NAR download throughput: S3 + PostgreSQL (one replica and two)
 * against fs + SQLite on the same machine. The S3 server is s3rver (a Node process), not a
 * production object store: the NAR figures measure it as much as larder.
 * Run: node bench/backends.ts   (BENCH_PATHS, BENCH_SECONDS, BENCH_NAR_MIB to change the load)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../test/helpers/postgres.ts';
import { type ServerProcess, spawnServer } from '../test/helpers/process-server.ts';
import { startS3 } from '../test/helpers/s3.ts';
import { makeUpload, type Upload } from '../test/helpers/upload.ts';
import { runBench } from './helpers/cleanup.ts';
import { fmt, mib, printReport, type Row, ratio, step } from './helpers/report.ts';
import { wrk } from './helpers/wrk.ts';

const PATHS = Number(process.env.BENCH_PATHS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const NAR_MIB = Number(process.env.BENCH_NAR_MIB ?? 64);
const LOAD = { threads: 2, connections: 64 };

await runBench(async (defer) => {
  const tmp = mkdtempSync(join(tmpdir(), 'larder-bench-backends-'));
  defer(() => rmSync(tmp, { recursive: true, force: true }));

  step('starting PostgreSQL and s3rver');
  const dbUrl = await (await startPostgres()).createDatabase();
  const bucket = await (await startS3()).createBucket();
  const shared = {
    ...bucket.env,
    LARDER_STORAGE: 's3',
    LARDER_DATABASE: 'postgres',
    LARDER_POSTGRES_URL: dbUrl,
  };
  const start = async (name: string, env: Record<string, string>) => {
    const s = await spawnServer(join(tmp, name), { LARDER_LOG_LEVEL: 'warn', ...env });
    defer(() => s.stop());
    return s;
  };
  const local = await start('fs-sqlite', {});
  const [s3a, s3b] = await Promise.all([start('s3-pg-a', shared), start('s3-pg-b', shared)]);
  const [r1, r2] = [s3a as ServerProcess, s3b as ServerProcess];

  step(`pushing ${PATHS} small paths and one ${NAR_MIB} MiB NAR to both setups`);
  const uploads: Upload[] = [];
  for (let i = 0; i < PATHS; i++) uploads.push(await makeUpload(`bench-${i}`, randomBytes(64)));
  const big = await makeUpload('big', randomBytes(NAR_MIB * 2 ** 20), 'none');
  for (const s of [local, r1]) {
    await publish(s);
    let next = 0;
    const pusher = async () => {
      while (next < uploads.length) await push(s, uploads[next++] as Upload);
    };
    await Promise.all(Array.from({ length: 8 }, pusher));
    await push(s, big);
  }

  const list = join(tmp, 'narinfo.list');
  writeFileSync(list, uploads.map((u) => `/main/${u.hashPart}.narinfo\n`).join(''));
  const rps = async (targets: ServerProcess[]) => {
    await Promise.all(targets.map((t) => wrk(t.url, list, { ...LOAD, seconds: 2 })));
    const runs = await Promise.all(
      targets.map((t) =>
        wrk(t.url, list, {
          // The same client capacity in total, whether one replica or two are loaded.
          threads: LOAD.threads / targets.length,
          connections: LOAD.connections / targets.length,
          seconds: SECONDS,
        }),
      ),
    );
    for (const r of runs)
      if (r.non2xx > 0 || r.socketErrors > 0)
        throw new Error(`${r.non2xx} non-2xx responses, ${r.socketErrors} socket errors`);
    return runs.reduce((n, r) => n + r.rps, 0);
  };
  step('narinfo GET/s: fs + sqlite');
  const localRps = await rps([local]);
  step('narinfo GET/s: s3 + postgres, one replica');
  const oneRps = await rps([r1]);
  step('narinfo GET/s: s3 + postgres, two replicas (load split between them)');
  const twoRps = await rps([r1, r2]);

  const narUrl = `/main/nar/${big.fileName}`;
  const throughput = async (targets: ServerProcess[], streams: number) => {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: streams }, async (_, i) => {
        const res = await fetch(`${(targets[i % targets.length] as ServerProcess).url}${narUrl}`);
        let n = 0;
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) n += chunk.length;
        if (res.status !== 200 || n !== big.file.length)
          throw new Error(`NAR: ${res.status}, ${n} bytes`);
      }),
    );
    return mib(big.file.length * streams) / ((performance.now() - t0) / 1000);
  };
  step('NAR MiB/s');
  const nar = {
    local1: await throughput([local], 1),
    s3one1: await throughput([r1], 1),
    local4: await throughput([local], 4),
    s3one4: await throughput([r1], 4),
    s3two4: await throughput([r1, r2], 4),
  };

  const rows: Row[] = [
    {
      measure: 'narinfo GET/s, s3 + postgres, 1 replica',
      baseline: fmt(localRps, 0),
      larder: fmt(oneRps, 0),
      ratio: ratio(oneRps, localRps),
      goal: '(info)',
    },
    {
      measure: 'narinfo GET/s, s3 + postgres, 2 replicas',
      baseline: fmt(localRps, 0),
      larder: fmt(twoRps, 0),
      ratio: ratio(twoRps, localRps),
      goal: '(info)',
    },
    {
      measure: 'NAR MiB/s, 1 stream, 1 replica',
      baseline: fmt(nar.local1),
      larder: fmt(nar.s3one1),
      ratio: ratio(nar.s3one1, nar.local1),
      goal: '(info)',
    },
    {
      measure: 'NAR MiB/s, 4 streams, 1 replica',
      baseline: fmt(nar.local4),
      larder: fmt(nar.s3one4),
      ratio: ratio(nar.s3one4, nar.local4),
      goal: '(info)',
    },
    {
      measure: 'NAR MiB/s, 4 streams, 2 replicas',
      baseline: fmt(nar.local4),
      larder: fmt(nar.s3two4),
      ratio: ratio(nar.s3two4, nar.local4),
      goal: '(info)',
    },
  ];
  printReport(
    `backends: ${PATHS} narinfos (wrk -c${LOAD.connections} ${SECONDS}s, random paths), one ${NAR_MIB} MiB NAR; S3 is s3rver`,
    'fs + sqlite',
    rows,
  );
});

/** Cache `main` public, so the load generator needs no token. */
async function publish(s: ServerProcess): Promise<void> {
  const res = await fetch(`${s.url}/_api/v1/caches/main`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ public: true }),
  });
  if (!res.ok) throw new Error(`making main public: ${res.status} ${await res.text()}`);
}

async function push(s: ServerProcess, u: Upload): Promise<void> {
  const auth = { authorization: `Bearer ${s.adminToken}` };
  const nar = await fetch(`${s.url}/main/nar/${u.fileName}`, {
    method: 'PUT',
    body: u.file,
    headers: auth,
  });
  if (nar.status !== 201) throw new Error(`NAR upload: ${nar.status} ${await nar.text()}`);
  const info = await fetch(`${s.url}/main/${u.hashPart}.narinfo`, {
    method: 'PUT',
    body: u.narinfo(),
    headers: auth,
  });
  if (info.status !== 201) throw new Error(`narinfo upload: ${info.status} ${await info.text()}`);
}
