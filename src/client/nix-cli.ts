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

export interface NixOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Nix command and reports how it ended without throwing on a non-zero exit (the
 * tools read Nix's exit status and messages, e.g. 104 and "may not be deterministic").
 * Only a Nix that cannot be started at all is an error.
 */
export function nixOutcome(
  cmd: string,
  args: string[],
  opts: NixRunOptions = {},
): Promise<NixOutcome> {
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
    // A command that exits without reading its input (an error, or no --stdin) makes this
    // write fail with EPIPE; its exit code and stderr say what happened, so no crash.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Nix's last `error:` line (or last line) of stderr, without the prefix. */
export function lastNixError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const last = lines.filter((l) => l.startsWith('error:')).pop() ?? lines.pop() ?? '';
  return last.replace(/^error:\s*/, '').trim();
}

/** Like runNix, keeping stderr too (Nix prints dry-run summaries there). */
export async function runNixWithOutput(
  cmd: string,
  args: string[],
  opts: NixRunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const r = await nixOutcome(cmd, args, opts).catch((err: Error) => {
    // A missing Nix is an ordinary failure (exit 1) for the client commands.
    throw new ClientError(err.message);
  });
  if (r.code !== 0)
    throw new ClientError(
      `${cmd} ${args[0] ?? ''} failed: ${lastNixError(r.stderr) || `exit ${r.code}`}`,
    );
  return { stdout: r.stdout, stderr: r.stderr };
}
