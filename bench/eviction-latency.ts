// narinfo latency while an eviction runs, on a cache of BENCH_PATHS (default 100,000)
// synthetic paths: baseline p50/p99 for a few seconds, then the same load while
// `POST /_api/v1/main/gc` evicts down to 70% of the cache. Goal: p99 under 5 ms.
// The server's RSS is sampled every 100 ms throughout. Two rounds, each on a fresh copy of
// the filled cache: 8 keep-alive Node clients in this process, then wrk (one thread, 8
// connections; BENCH_WRK=0 skips it), which sees more of the tail. BENCH_NODE=0 skips the first.
// BENCH_DATA=<dir> keeps the filled cache there and starts later runs from a copy of it
// (filling 1,000,000 paths one push at a time takes about 8 minutes).
// Run: node bench/eviction-latency.ts
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
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

/** Latency figures of one phase, in ms. */
interface Stats {
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** Requests over 50 ms; undefined where the client does not count them (wrk). */
  over50: number | undefined;
}

/** A load generator: runs until `stop` resolves. */
type Client = (base: string, hashes: string[], stop: Promise<unknown>) => Promise<Stats>;

const nodeClient: Client = async (base, hashes, stop) => {
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  const xs = await load(base, hashes, () => done);
  return {
    requests: xs.length,
    p50: pct(xs, 50),
    p99: pct(xs, 99),
    max: xs.reduce((m, x) => Math.max(m, x), 0),
    over50: xs.filter((x) => x > 50).length,
  };
};

/**
 * wrk with one thread and LOOPS connections on the same random paths, stopped by SIGINT
 * (it reports what it measured so far); percentiles from its latency histogram.
 */
function wrkClient(workDir: string): Client {
  return async (base, hashes, stop) => {
    const list = join(workDir, 'narinfo-list');
    writeFileSync(list, hashes.map((h) => `/main/${h}.narinfo`).join('\n'));
    const lua = join(workDir, 'latency.lua');
    writeFileSync(
      lua,
      `${readFileSync(join(import.meta.dirname, 'narinfo-random.lua'), 'utf8')}
done = function(summary, latency, requests)
  io.write(string.format("LATENCY %d %.3f %.3f %.3f\\n", summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
`,
    );
    const child = spawn(
      'wrk',
      ['-t1', `-c${LOOPS}`, '-d3600s', '--timeout', '5s', '-s', lua, base],
      {
        env: { ...process.env, NARINFO_LIST: list },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const closed = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', () => resolve());
    });
    await Promise.race([stop, closed]);
    child.kill('SIGINT');
    await closed;
    const m = /LATENCY (\d+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out);
    if (!m) throw new Error(`cannot read wrk's output:\n${out}`);
    return {
      requests: Number(m[1]),
      p50: Number(m[2]),
      p99: Number(m[3]),
      max: Number(m[4]),
      over50: undefined,
    };
  };
}

/**
 * Reads every file of `dir` once. The second round's copy waits minutes for its turn, and
 * this machine pages out file pages left unused for a minute or so (DAMON `pageout`): a
 * copy of the 1M-path database untouched for four minutes had 279 of its 1,180 MiB left
 * in memory (`fincore`). Unwarmed, that round measured the disk: p50 12.9 ms, 1,559
 * lookups in the quiet 5 s.
 */
function warm(dir: string): void {
  const chunk = Buffer.allocUnsafe(8 * 2 ** 20);
  for (const name of readdirSync(dir)) {
    const fd = openSync(join(dir, name), 'r');
    try {
      while (readSync(fd, chunk) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/** A server on `dataDir`: `client` for SECONDS, then again while gc evicts to 70%. */
async function round(
  dataDir: string,
  hashes: string[],
  bytes: number,
  client: Client,
  what: string,
) {
  // A gigabyte just written is still being written back: the server's first checkpoints
  // would wait for it (fsync), and their stalls would be the copy's, not larder's.
  execFileSync('sync');
  warm(dataDir);
  const server = await spawnServer(dataDir, {
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
    const quiet = await client(
      server.url,
      hashes,
      new Promise((r) => setTimeout(r, SECONDS * 1000)),
    );
    await fetch(`${server.url}/_api/v1/caches/main`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ quota: Math.floor(bytes * 0.7) }),
    });
    const before = statusBytes(pid, 'VmRSS');
    rssPeak = 0;
    const g0 = performance.now();
    const gc = fetch(`${server.url}/_api/v1/main/gc`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    }).then((r) => r.json() as Promise<{ evictionCount: number; bytesAfter: number }>);
    const busy = await client(server.url, hashes, gc);
    const result = await gc;
    const gcSecs = (performance.now() - g0) / 1000;
    console.log(`\nnarinfo latency, ${what}, ${N} paths`);
    console.log('phase            requests   p50 ms   p99 ms   max ms   over 50 ms');
    for (const [name, x] of [
      ['quiet', quiet],
      ['during eviction', busy],
    ] as const) {
      console.log(
        `${name.padEnd(16)} ${String(x.requests).padEnd(10)} ${x.p50.toFixed(2).padEnd(8)} ${x.p99.toFixed(2).padEnd(8)} ${x.max.toFixed(1).padEnd(8)} ${x.over50 ?? '-'}`,
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
}

const dir = mkdtempSync(join(tmpdir(), 'larder-bench-evict-'));
try {
  console.log(machineLines().join('\n'));
  const { hashes, bytes } = await filled(join(dir, 'data'));
  const withWrk = process.env.BENCH_WRK !== '0';
  const withNode = process.env.BENCH_NODE !== '0';
  // Each round evicts: the second starts from a copy of the cache as it was filled.
  if (withWrk && withNode) cpSync(join(dir, 'data'), join(dir, 'data-wrk'), { recursive: true });
  if (withNode)
    await round(
      join(dir, 'data'),
      hashes,
      bytes,
      nodeClient,
      `${LOOPS} concurrent keep-alive Node clients`,
    );
  if (withWrk)
    await round(
      join(dir, withNode ? 'data-wrk' : 'data'),
      hashes,
      bytes,
      wrkClient(dir),
      `wrk, 1 thread, ${LOOPS} connections`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
