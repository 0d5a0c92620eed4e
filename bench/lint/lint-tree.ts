// Times `larder lint` on a generated tree of Nix files and prints files/s and MB/s.
// Usage: node bench/lint/lint-tree.ts [files=5000] [bytesPerFile=10000]
// Timing is reported as a ratio to a baseline (reading the same files) measured in this run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, lintPaths, lintSource } from '../../src/lint/index.ts';
import { generateTree, pathological } from './generate.ts';

const files = Number(process.argv[2] ?? 5000);
const bytesEach = Number(process.argv[3] ?? 10_000);
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'larder-lint-bench-'));
const MB = 1024 * 1024;
const rate = (label: string, n: number, bytes: number, ms: number) =>
  console.log(
    `${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${Math.round((n * 1000) / ms)
      .toString()
      .padStart(7)} files/s  ${((bytes / MB) * (1000 / ms)).toFixed(1).padStart(6)} MB/s`,
  );

function readAll(d: string): number {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    n += e.isDirectory() ? readAll(p) : readFileSync(p).length;
  }
  return n;
}

try {
  let t = performance.now();
  const bytes = generateTree(dir, files, bytesEach);
  console.log(
    `generated ${files} files, ${(bytes / MB).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s under ${dir}`,
  );

  t = performance.now();
  readAll(dir);
  const readMs = performance.now() - t;
  rate('baseline: read every file', files, bytes, readMs);

  t = performance.now();
  const r = await lintPaths([dir]);
  const libMs = performance.now() - t;
  rate('lintPaths (in process)', r.files, r.bytes, libMs);

  const registered = readFileSync(join(root, 'src/cli/main.ts'), 'utf8').includes(
    'commands/lint.ts',
  );
  const argv = registered
    ? [join(root, 'bin/larder.js'), 'lint', dir]
    : [join(root, 'test/lint/helpers/run-lint.ts'), dir];
  t = performance.now();
  const cli = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const cliMs = performance.now() - t;
  rate(`larder lint (subprocess${registered ? '' : ', via test runner'})`, files, bytes, cliMs);
  console.log(
    `exit ${cli.status}, ${cli.stdout.split('\n').length - 1} findings (expected ${r.findings.length}); lint/read time ratio ${(libMs / readMs).toFixed(1)}`,
  );

  // Linear time: the cost per MB of deeply nested strings must not grow with the input.
  const cat = new Catalog();
  for (const size of [1, 4, 16]) {
    const src = pathological(size * MB, 40);
    t = performance.now();
    lintSource(src, 'nested.nix', cat);
    const ms = performance.now() - t;
    console.log(
      `nested strings/interpolations ${String(size).padStart(2)} MB: ${ms.toFixed(0).padStart(5)} ms, ${(ms / size).toFixed(0)} ms/MB`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
