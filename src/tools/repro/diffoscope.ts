import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** diffoscope's path when it is installed (on PATH), else undefined. */
export function findDiffoscope(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'diffoscope');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Keeps a report readable in a terminal and bounded in JSON. */
const MAX_REPORT = 64 * 1024;

/**
 * diffoscope's text report for two files. It exits 1 when they differ, which is the point
 * here; only other codes (or no output) are failures, reported in the text.
 */
export function runDiffoscope(bin: string, a: string, b: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['--text', '-', '--no-progress', a, b], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < MAX_REPORT) out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < MAX_REPORT) err += d;
    });
    child.on('error', (e) => resolve(`diffoscope could not run: ${e.message}`));
    child.on('close', (code) => {
      const text = out.length > MAX_REPORT ? `${out.slice(0, MAX_REPORT)}\n[… cut]` : out;
      resolve(
        code === 0 || code === 1
          ? text.trimEnd()
          : `diffoscope failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`,
      );
    });
  });
}
