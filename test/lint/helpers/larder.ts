import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const BIN = join(ROOT, 'bin', 'larder.js');
const RUNNER = join(import.meta.dirname, 'run-lint.ts');

/** Whether src/cli/main.ts registers the lint command (then bin/larder.js is used). */
export const registered = readFileSync(join(ROOT, 'src', 'cli', 'main.ts'), 'utf8').includes(
  'commands/lint.ts',
);

/** Runs `larder lint ARGS` as a subprocess in `cwd`. */
export function larderLint(
  args: string[],
  cwd = ROOT,
): { code: number | null; out: string; err: string } {
  const argv = registered ? [BIN, 'lint', ...args] : [RUNNER, ...args];
  const r = spawnSync(process.execPath, argv, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: cwd, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
