// narinfo latency while an eviction runs, on a cache of BENCH_PATHS (default 100,000)
// synthetic paths: baseline p50/p99 for a few seconds, then the same load while
// `POST /_api/v1/main/gc` evicts down to 70% of the cache. Goal: p99 under 5 ms.
// The server's RSS is sampled every 100 ms throughout.
// BENCH_DATA=<dir> keeps the filled cache there and starts later runs from a copy of it
// (filling 1,000,000 paths one push at a time takes about 8 minutes).
// Run: node bench/eviction-latency.ts
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCache } from '../src/cache/index.ts';
import { openSqliteIndex } from '../src/index/sqlite.ts';
import { encodeBase32 } from '../src/nix/index.ts';
import { spawnServer } from '../test/helpers/process-server.ts';
import { machineLines } from './helpers/machine.ts';
import { statusBytes } from './helpers/proc.ts';

const N = Number(process.env.BENCH_PATHS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LOOPS = 8;

async function fill(dataDir: string): Promise<{ hashes: string[]; bytes: number }> {
  const index = openSqliteIndex(join(dataDir, 'larder.db'));
  await createCache(index, { name: 'main', public: true }, Date.now());
  const hashes: string[] = [];
  let bytes = 0;
  const now = Date.now() - 86_400_000;
  for (let i = 0; i < N; i++) {
    const hashPart = encodeBase32(randomBytes(20));
    const fileHash = encodeBase32(randomBytes(32));
    const size = 1000 + (i % 5000) * 100;
    bytes += size;
    const nar = {
      fileHash,
      fileSize: size,
      compression: 'zstd',
      narHash: encodeBase32(randomBytes(32)),
      narSize: size * 2,
      key: `nar/${fileHash}.nar.zst`,
    };
    await index.addNar('main', nar, now);
    // A base layer of 200 paths that everything else references, as glibc is.
    const refs =
      i >= 200
        ? [
            hashes[i % 200] as string,
            hashes[200 + ((i * 7) % Math.max(1, Math.min(i - 200, 5000)))] as string,
          ].filter((h, k, a) => h && a.indexOf(h) === k && h !== hashPart)
        : [];
    await index.insertPath('main', {
      hashPart,
      baseName: `${hashPart}-pkg-${i}`,
      url: `nar/${fileHash}.nar.zst`,
      nar,
      references: refs.map((h) => `${h}-ref`).sort(),
      deriver: undefined,
      system: undefined,
      ca: undefined,
      sigs: [],
      cacheSig: 'bench:none',
      createdAt: now,
      tier: undefined,
      buildSeconds: i % 3 === 0 ? i % 4000 : undefined,
    });
    hashes.push(hashPart);
  }
  await index.close();
  return { hashes, bytes };
}

/** Requests random narinfos from LOOPS concurrent keep-alive loops until `until()`; returns latencies in ms. */
async function load(base: string, hashes: string[], until: () => boolean): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
  const lat: number[] = [];
  const one = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      request(`${base}${path}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          lat.push(performance.now() - t0);
          resolve();
        });
      })
        .on('error', reject)
        .end();
    });
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (!until())
        await one(`/main/${hashes[Math.floor(Math.random() * hashes.length)]}.narinfo`);
    }),
  );
  agent.destroy();
  return lat;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

/** The filled data dir of this size, from BENCH_DATA if it has one, else made now. */
async function filled(dataDir: string): Promise<{ hashes: string[]; bytes: number }> {
  const kept = process.env.BENCH_DATA ? join(process.env.BENCH_DATA, String(N)) : undefined;
  if (kept && existsSync(join(kept, 'hashes.json'))) {
    cpSync(join(kept, 'data'), dataDir, { recursive: true });
    return JSON.parse(readFileSync(join(kept, 'hashes.json'), 'utf8'));
  }
  const t0 = performance.now();
  const made = await fill(dataDir);
  console.log(
    `filled ${N} paths (${(made.bytes / 2 ** 20).toFixed(0)} MiB counted) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  if (kept) {
    mkdirSync(kept, { recursive: true });
    cpSync(dataDir, join(kept, 'data'), { recursive: true });
    writeFileSync(join(kept, 'hashes.json'), JSON.stringify(made));
  }
  return made;
}

const dir = mkdtempSync(join(tmpdir(), 'larder-bench-evict-'));
try {
  console.log(machineLines().join('\n'));
  const { hashes, bytes } = await filled(join(dir, 'data'));
  // A gigabyte just written is still being written back: the server's first checkpoints
  // would wait for it (fsync), and their stalls would be the copy's, not larder's.
  execFileSync('sync');
  const server = await spawnServer(join(dir, 'data'), {
    LARDER_UPLOAD_GRACE: '0s',
    LARDER_LOG_LEVEL: 'warn',
  });
  const pid = server.child.pid as number;
  let rssPeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, statusBytes(pid, 'VmRSS'));
  }, 100);
  try {
    const auth = {
      authorization: `Bearer ${server.adminToken}`,
      'content-type': 'application/json',
    };
    const end = performance.now() + SECONDS * 1000;
    const quiet = await load(server.url, hashes, () => performance.now() > end);
    await fetch(`${server.url}/_api/v1/caches/main`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ quota: Math.floor(bytes * 0.7) }),
    });
    let done = false;
    const before = statusBytes(pid, 'VmRSS');
    rssPeak = 0;
    const g0 = performance.now();
    const gc = fetch(`${server.url}/_api/v1/main/gc`, { method: 'POST', headers: auth, body: '{}' })
      .then((r) => r.json() as Promise<{ evictionCount: number; bytesAfter: number }>)
      .finally(() => {
        done = true;
      });
    const busy = await load(server.url, hashes, () => done);
    const result = await gc;
    const gcSecs = (performance.now() - g0) / 1000;
    console.log(`\nnarinfo latency, ${LOOPS} concurrent keep-alive clients, ${N} paths`);
    console.log('phase            requests   p50 ms   p99 ms   max ms   over 50 ms');
    for (const [name, xs] of [
      ['quiet', quiet],
      ['during eviction', busy],
    ] as const) {
      console.log(
        `${name.padEnd(16)} ${String(xs.length).padEnd(10)} ${pct(xs, 50).toFixed(2).padEnd(8)} ${pct(xs, 99).toFixed(2).padEnd(8)} ${xs
          .reduce((m, x) => Math.max(m, x), 0)
          .toFixed(1)
          .padEnd(8)} ${xs.filter((x) => x > 50).length}`,
      );
    }
    console.log(
      `eviction: ${result.evictionCount} roots in ${gcSecs.toFixed(1)} s (goal: p99 < 5 ms during it)`,
    );
    const mib = (b: number) => (b / 2 ** 20).toFixed(0);
    console.log(
      `server RSS (planning thread included): ${mib(before)} MiB as the collection began, peak ${mib(rssPeak)} MiB during it (sampled every 100 ms), VmHWM ${mib(statusBytes(pid, 'VmHWM'))} MiB`,
    );
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
