import { spawn } from 'node:child_process';
import { ClientError } from './errors.ts';
import { nixBin } from './nix-cli.ts';

/**
 * `nix-store --realise` of output paths (so Nix only substitutes, never builds), telling
 * `onLine` each stderr line as it comes (`copying path '…' from '…'...` as each starts).
 * A failure becomes a ClientError with Nix's last error line.
 */
export function realise(
  paths: string[],
  opts: {
    store?: string | undefined;
    options: Record<string, string>;
    onLine?: (line: string) => void;
  },
): Promise<string> {
  const args = ['--realise', ...paths];
  if (opts.store) args.push('--store', opts.store);
  for (const [k, v] of Object.entries(opts.options)) args.push('--option', k, v);
  return new Promise((resolve, reject) => {
    const child = spawn(nixBin('nix-store'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine?.(l);
    });
    child.on('error', (e) =>
      reject(new ClientError(`cannot run nix-store: ${e.message} (is Nix installed?)`)),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve(stderr);
      const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
      const last = errors.pop() ?? stderr.trim().split('\n').pop() ?? `exit ${code}`;
      reject(new ClientError(`nix-store --realise failed: ${last.replace(/^error:\s*/, '')}`));
    });
  });
}
