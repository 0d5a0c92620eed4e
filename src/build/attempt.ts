import { spawn } from 'node:child_process';
import { nixBin } from '../client/nix-cli.ts';
import { emptyUsage, oomKills, type TreeMonitor, type TreeUsage } from './monitor.ts';

export interface AttemptOptions {
  /** What to realise: one derivation, or output paths to substitute. */
  targets: string[];
  cores: number;
  store?: string | undefined;
  /** Nix's remote builders (`--builders`), passed through. */
  builders?: string | undefined;
  monitor: TreeMonitor;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface AttemptResult {
  outcome: 'ok' | 'failed' | 'killed';
  exitCode: number | null;
  wallSeconds: number;
  usage: TreeUsage;
  /** The kernel counted an out-of-memory kill while this ran. */
  oom: boolean;
  /** Nix's last lines: the error, or the builder's last output. */
  tail: string[];
}

const TAIL = 25;

/**
 * Whether Nix will build in a daemon: `--store daemon`/`unix://…`, or no `--store` and
 * NIX_REMOTE or a running daemon that this user cannot bypass (not root).
 */
export function usesDaemon(store: string | undefined, env: NodeJS.ProcessEnv): boolean {
  if (store !== undefined) return store === 'daemon' || store.startsWith('unix://');
  if (env.NIX_REMOTE) return env.NIX_REMOTE === 'daemon' || env.NIX_REMOTE.startsWith('unix://');
  return process.getuid?.() !== 0;
}

/**
 * Nix reports a builder killed by SIGKILL as "failed due to signal 9"; a shell whose child
 * was SIGKILLed exits 137, which Nix reports as "exit code 137".
 */
const SIGKILLED = /failed due to signal 9\b|failed with exit code 137\b/;

/**
 * Realises `targets` with one `nix-store --realise`, so Nix itself builds (or substitutes),
 * under this build's cores, while the monitor measures the whole process tree.
 */
export function runAttempt(
  opts: AttemptOptions,
  onStart?: (usage: TreeUsage) => void,
): Promise<AttemptResult> {
  const args = ['--realise', ...opts.targets, '--max-jobs', '1', '--cores', String(opts.cores)];
  if (opts.store) args.push('--store', opts.store);
  if (opts.builders !== undefined) args.push('--builders', opts.builders);
  // Builds are driven from here; Nix's own keep-going would hide which one failed.
  args.push('--quiet');
  const started = performance.now();
  const oomBefore = oomKills();
  return new Promise((resolve) => {
    const child = spawn(nixBin('nix-store', opts.env), args, {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      signal: opts.signal,
    });
    const tail: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        tail.push(l);
        if (tail.length > TAIL) tail.shift();
      }
    });
    const usage = child.pid
      ? opts.monitor.watch(child.pid, {
          viaDaemon: usesDaemon(opts.store, opts.env ?? process.env),
        })
      : undefined;
    if (usage) onStart?.(usage);
    const finish = (code: number | null, err?: Error) => {
      if (partial) tail.push(partial);
      if (child.pid) opts.monitor.unwatch(child.pid);
      if (err) tail.push(`cannot run nix-store: ${err.message}`);
      const text = tail.join('\n');
      const outcome = code === 0 ? 'ok' : SIGKILLED.test(text) ? 'killed' : 'failed';
      const oomAfter = oomKills();
      resolve({
        outcome,
        exitCode: code,
        wallSeconds: (performance.now() - started) / 1000,
        usage: usage ?? emptyUsage(),
        oom: oomBefore !== undefined && oomAfter !== undefined && oomAfter > oomBefore,
        tail: tail.filter((l) => l.trim() !== ''),
      });
    };
    child.on('error', (err) => finish(null, err));
    child.on('close', (code) => finish(code));
  });
}
