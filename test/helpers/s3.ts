import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** An S3-protocol server (s3rver, in this process), shared by the tests of one process. */
export interface TestS3 {
  endpoint: string;
  /** A fresh bucket; the LARDER_* variables that point the server at it. */
  createBucket(): Promise<{ bucket: string; env: Record<string, string> }>;
  client: S3Client;
}

let started: Promise<TestS3> | undefined;
let counter = 0;

/**
 * Why S3 tests must be skipped, or false when s3rver can be loaded. With LARDER_REQUIRE_S3=1
 * a missing server is a failure, so CI cannot go green by skipping.
 */
export function requireS3(): string | false {
  try {
    createRequire(import.meta.url).resolve('s3rver');
    return false;
  } catch {
    const reason = 's3rver is not installed (npm ci installs it)';
    if (process.env.LARDER_REQUIRE_S3 === '1') throw new Error(`LARDER_REQUIRE_S3=1 but ${reason}`);
    return reason;
  }
}

export function startS3(): Promise<TestS3> {
  started ??= boot();
  return started;
}

// s3rver runs in a child process: tests that run Nix with spawnSync block their own event
// loop, and a server in the same process would stop answering the larder it is serving.
const SERVER = `
const S3rver = require('s3rver');
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: process.argv[1] });
server.run().then(({ port }) => console.log(port), (err) => { console.error(err); process.exit(1); });
process.stdin.on('end', () => process.exit(0)).resume();
`;

async function boot(): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'larder-s3-'));
  const child = spawn(process.execPath, ['-e', SERVER, dir], {
    cwd: join(import.meta.dirname, '..', '..'),
    // The child exits when this process does: its stdin closes.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref?.();
  (child.stdout as unknown as { unref(): void }).unref?.();
  process.once('exit', () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  // s3rver accepts any credentials; these are its documented defaults.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  return {
    endpoint,
    client,
    async createBucket() {
      const bucket = `larder-${process.pid}-${++counter}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return {
        bucket,
        env: {
          LARDER_S3_ENDPOINT: endpoint,
          LARDER_S3_BUCKET: bucket,
          LARDER_S3_REGION: 'us-east-1',
          LARDER_S3_FORCE_PATH_STYLE: 'true',
          LARDER_S3_ACCESS_KEY_ID: credentials.accessKeyId,
          LARDER_S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
      };
    },
  };
}
