import { spawn } from 'node:child_process';
import { ClientError, nixBin } from '../../client/index.ts';

export interface NixOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Nix command and reports how it ended without throwing on a non-zero exit: the
 * tools read Nix's exit status and messages (e.g. 104 and "may not be deterministic").
 */
export function nixOutcome(
  cmd: string,
  args: string[],
  opts: { store?: string | undefined } = {},
): Promise<NixOutcome> {
  // `nix show-derivation`, `nix path-info` need nix-command, off in a stock Nix 2.8.
  const full =
    cmd === 'nix' ? ['--extra-experimental-features', 'nix-command', ...args] : [...args];
  if (opts.store) full.push('--store', opts.store);
  return new Promise((resolve, reject) => {
    const child = spawn(nixBin(cmd), full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (e) =>
      reject(
        new ClientError(`cannot run ${cmd}: ${e.message} (is Nix installed?)`, { exitCode: 2 }),
      ),
    );
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
  });
}

/** Nix's last `error:` line (or last line) of stderr, without the prefix. */
export function lastNixError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const last = lines.filter((l) => l.startsWith('error:')).pop() ?? lines.pop() ?? '';
  return last.replace(/^error:\s*/, '').trim();
}

/** Runs a Nix command that must succeed; its failure becomes one line naming the command. */
export async function nixOk(
  cmd: string,
  args: string[],
  opts: { store?: string | undefined } = {},
): Promise<string> {
  const r = await nixOutcome(cmd, args, opts);
  if (r.code !== 0)
    throw new ClientError(
      `${cmd} ${args[0] ?? ''} failed: ${lastNixError(r.stderr) || `exit ${r.code}`}`,
      {
        exitCode: 2,
      },
    );
  return r.stdout;
}
