#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (built by `npm ci` through `prepare`, or `npm run
// build`) when it is newer than every source file; else the TypeScript sources, by Node's
// type stripping. The compiled code saves the ~30 MiB that type stripping costs per process.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
