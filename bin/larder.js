#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm ci` through `prepare`, or `npm run
// build`) when it is newer than every source file; else the TypeScript sources, by Node's
// type stripping. The compiled code saves the ~30 MiB that type stripping costs per process.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// `larder serve` runs with a young generation of 2 x 4 MiB instead of V8's 2 x 32 MiB. The
// server's narinfo memo keeps what it reads, so much of what a scavenge finds is alive and
// copied: with 32 MiB, scavenges under random lookups of 100,000 paths took 2-16 ms (p90
// 8 ms), most of the narinfo p99 (under wrk while evicting: 8.4-9.5 ms; with 4 MiB 4.6-5.7
// ms, and twice the lookups served). With a warm memo the narinfo bench gave 0.74-0.85x
// nginx with it and 0.84-0.90x without, inside this machine's spread from run to run, but
// not shown to cost nothing. V8 reads this size only at start, so the process
// re-executes itself with the flag (same pid, signals and descriptors; cluster workers
// inherit it). LARDER_SEMI_SPACE_MB sets another size; 0 keeps V8's.
const semiSpace = process.env.LARDER_SEMI_SPACE_MB ?? '4';
if (
  process.argv[2] === 'serve' &&
  semiSpace !== '0' &&
  typeof process.execve === 'function' &&
  !process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))
) {
  process.execve(
    process.execPath,
    [
      process.execPath,
      `--max-semi-space-size=${semiSpace}`,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    process.env,
  );
}

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', 'src', 'cli', 'main.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
    }
  }
  return newest;
}

const fresh =
  process.env.LARDER_FROM_SOURCE !== '1' &&
  existsSync(stamp) &&
  statSync(stamp).mtimeMs >= newestSource(join(root, 'src'));
await import(fresh ? '../dist/src/cli/main.js' : '../src/cli/main.ts');
