import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'larder.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  publicKey: string;
  adminToken: string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `larder serve` as a real process on a free port and waits for its banner. */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    {
      env: { ...process.env, LARDER_LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const banner = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (/admin token/.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`larder serve exited ${code}: ${err}`)));
  });
  const url = /listening on (http:\/\/[^\s]+)/.exec(banner)?.[1];
  const publicKey = /public key:\s+(\S+)/.exec(banner)?.[1];
  if (!url || !publicKey) throw new Error(`unexpected banner: ${banner}`);
  return {
    child,
    url,
    publicKey,
    adminToken: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    stderr: () => err,
    stop(signal = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
