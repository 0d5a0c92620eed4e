import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'larder.js');

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `larder …` as a subprocess with exactly this environment. Asynchronous on purpose:
 * a server under test may be running in this process's event loop.
 */
export function runLarder(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}
