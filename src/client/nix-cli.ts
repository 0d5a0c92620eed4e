import { spawn } from 'node:child_process';
import { ClientError } from './errors.ts';

export interface NixRunOptions {
  /** Extra `--option name value` pairs. */
  options?: Record<string, string>;
  /** The Nix store to use (`--store`), e.g. a chroot store; default: Nix's own choice. */
  store?: string | undefined;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

/** Where `larder` finds Nix's commands: `LARDER_NIX_BIN_DIR`, else PATH. */
export function nixBin(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.LARDER_NIX_BIN_DIR ? `${env.LARDER_NIX_BIN_DIR}/${name}` : name;
}

/**
 * Runs a Nix command to completion and returns its stdout. A failure becomes a ClientError
 * carrying Nix's last error line, so the CLI can print one clear line.
 */
export async function runNix(
  cmd: string,
  args: string[],
  opts: NixRunOptions = {},
): Promise<string> {
  return (await runNixWithOutput(cmd, args, opts)).stdout;
}

/** Like runNix, keeping stderr too (Nix prints dry-run summaries there). */
export function runNixWithOutput(
  cmd: string,
  args: string[],
  opts: NixRunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  // `nix path-info`, `nix store …` need nix-command, which a stock Nix 2.8 leaves off.
  const full =
    cmd === 'nix' ? ['--extra-experimental-features', 'nix-command', ...args] : [...args];
  if (opts.store) full.push('--store', opts.store);
  for (const [k, v] of Object.entries(opts.options ?? {})) full.push('--option', k, v);
  return new Promise((resolve, reject) => {
    const child = spawn(nixBin(cmd, opts.env), full, {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', (e) =>
      reject(new ClientError(`cannot run ${cmd}: ${e.message} (is Nix installed?)`)),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve({ stdout: out, stderr: err });
      const last =
        err
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('error:'))
          .pop() ?? err.trim().split('\n').pop();
      reject(
        new ClientError(
          `${cmd} ${args[0] ?? ''} failed: ${last?.replace(/^error:\s*/, '') ?? `exit ${code}`}`,
        ),
      );
    });
    child.stdin.end(opts.input ?? '');
  });
}
