/**
 * Server memory while a 2 GiB NAR streams in: peak RSS of larder during an uncompressed
 * NAR PUT, beside nginx taking the same bytes by WebDAV PUT. Goal (issue 2): larder's peak
 * RSS under 150 MiB; the throughput figures are for information.
 * Run: node bench/upload-rss.ts   (BENCH_UPLOAD_MIB to change the size)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encodeBase32 } from '../src/nix/index.ts';
import { runBench } from './helpers/cleanup.ts';
import { startLarder } from './helpers/larder.ts';
import { startNginx } from './helpers/nginx.ts';
import { processTree, statusBytes } from './helpers/proc.ts';
import { fmt, mib, printReport, ratio, step } from './helpers/report.ts';

const UPLOAD_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 2048);
const SAMPLE_MS = 50;
const GOAL_MIB = 150;

await runBench(async (defer) => {
  const tmp = mkdtempSync(join(tmpdir(), 'larder-bench-upload-'));
  defer(() => rmSync(tmp, { recursive: true, force: true }));

  // A sparse file: a NAR of any size without using the disk for the source.
  const file = join(tmp, 'big.bin');
  writeFileSync(file, '');
  truncateSync(file, UPLOAD_MIB * 2 ** 20);
  step(`hashing the NAR of a ${UPLOAD_MIB} MiB file (nix-store --dump)`);
  const { hash, size } = await hashNar(file);
  const name = `${encodeBase32(hash)}.nar`;

  const nginx = await startNginx({
    root: join(tmp, 'dav'),
    workDir: join(tmp, 'nginx'),
    put: true,
  });
  defer(() => nginx.stop());
  step('PUT to nginx (WebDAV)');
  const base = await upload(file, size, `${nginx.url}/${name}`, {}, nginx.child.pid as number);
  await nginx.stop();
  rmSync(join(tmp, 'dav'), { recursive: true, force: true });

  const larder = await startLarder(join(tmp, 'larder'));
  defer(() => larder.stop());
  const idle = statusBytes(larder.child.pid as number, 'VmRSS');
  step('PUT to larder');
  const l = await upload(
    file,
    size,
    `${larder.cacheUrl}/nar/${name}`,
    { authorization: `Bearer ${larder.adminToken}` },
    larder.child.pid as number,
  );
  const hwm = statusBytes(larder.child.pid as number, 'VmHWM');

  printReport(
    `upload-rss: ${fmt(mib(size), 0)} MiB uncompressed NAR streamed by PUT, RSS sampled every ${SAMPLE_MS} ms`,
    'nginx',
    [
      {
        measure: 'peak server RSS, MiB',
        baseline: fmt(mib(base.peakRss)),
        larder: fmt(mib(l.peakRss)),
        ratio: ratio(l.peakRss, base.peakRss),
        goal: `< ${GOAL_MIB} MiB`,
      },
      {
        measure: 'larder VmHWM since start, MiB',
        baseline: '-',
        larder: fmt(mib(hwm)),
        ratio: '',
        goal: `< ${GOAL_MIB} MiB`,
      },
      {
        measure: 'larder RSS idle before upload, MiB',
        baseline: '-',
        larder: fmt(mib(idle)),
        ratio: '',
        goal: '(info)',
      },
      {
        measure: 'upload MiB/s',
        baseline: fmt(mib(size) / base.seconds, 0),
        larder: fmt(mib(size) / l.seconds, 0),
        ratio: ratio(mib(size) / l.seconds, mib(size) / base.seconds),
        goal: '(info)',
      },
    ],
  );
});

/** The sha256 and length of `nix-store --dump file`, streamed. */
async function hashNar(file: string): Promise<{ hash: Buffer; size: number }> {
  const dump = spawn('nix-store', ['--dump', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const hasher = createHash('sha256');
  let size = 0;
  for await (const chunk of dump.stdout as AsyncIterable<Buffer>) {
    size += chunk.length;
    hasher.update(chunk);
  }
  await exited(dump);
  return { hash: hasher.digest(), size };
}

/**
 * PUTs `nix-store --dump file` to `url` (streamed from the dump, never held) while sampling
 * the RSS of the server's processes; returns the peak summed RSS and the elapsed time.
 */
async function upload(
  file: string,
  size: number,
  url: string,
  headers: Record<string, string>,
  serverPid: number,
): Promise<{ peakRss: number; seconds: number }> {
  let peakRss = 0;
  const sample = () => {
    const rss = processTree(serverPid).reduce((n, pid) => n + statusBytes(pid, 'VmRSS'), 0);
    peakRss = Math.max(peakRss, rss);
  };
  const timer = setInterval(sample, SAMPLE_MS);
  const dump = spawn('nix-store', ['--dump', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const t0 = performance.now();
  try {
    const req = request(url, {
      method: 'PUT',
      headers: { ...headers, 'content-length': size, 'content-type': 'application/x-nix-nar' },
      signal: AbortSignal.timeout(600_000),
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.once('error', reject);
      });
    });
    await pipeline(dump.stdout, req);
    const res = await response;
    await exited(dump);
    if (res.status < 200 || res.status > 299)
      throw new Error(`PUT ${url}: ${res.status} ${res.body}`);
    sample();
    return { peakRss, seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearInterval(timer);
    dump.kill();
  }
}

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) {
      if (child.exitCode === 0) resolve();
      else reject(new Error(`${child.spawnargs.join(' ')} exited with ${child.exitCode}`));
      return;
    }
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${child.spawnargs.join(' ')} exited with ${code ?? signal}`)),
    );
  });
}
