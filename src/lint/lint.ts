import { readFile } from 'node:fs/promises';
import { Catalog } from './catalog.ts';
import { lintSource } from './check.ts';
import type { Finding } from './rules.ts';
import { nixFiles } from './walk.ts';

export interface LintOptions {
  /** Extra NIX_ names to accept (read by tools outside nixpkgs' build machinery). */
  allow?: string[];
  /** Files read at once. */
  concurrency?: number;
}

export interface LintResult {
  files: number;
  bytes: number;
  findings: Finding[];
}

/** Lints every Nix file under `paths` (files or directories). */
export async function lintPaths(paths: string[], opts: LintOptions = {}): Promise<LintResult> {
  const files = await nixFiles(paths);
  const catalog = new Catalog(opts.allow);
  const perFile: Finding[][] = new Array(files.length);
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const at = next++;
      const file = files[at] as string;
      const buf = await readFile(file);
      bytes += buf.length;
      perFile[at] = lintSource(buf.toString('utf8'), file, catalog);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, files.length) }, worker));
  return { files: files.length, bytes, findings: perFile.flat() };
}
