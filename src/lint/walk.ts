import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** A path given on the command line that does not exist. */
export class MissingPathError extends Error {
  override name = 'MissingPathError';
  readonly path: string;
  constructor(path: string) {
    super(`${path}: no such file or directory`);
    this.path = path;
  }
}

/**
 * The Nix files under `paths`, sorted. Files named explicitly are taken whatever their name;
 * directories are searched for `*.nix`, skipping .git, node_modules and `result*` symlinks
 * (nix-build output links). Symlinked directories are not followed, so a link cycle cannot loop.
 */
export async function nixFiles(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new MissingPathError(p);
    if (st.isDirectory()) await walk(p, found);
    else found.push(p);
  }
  return [...new Set(found)].sort();
}

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  const subdirs: string[] = [];
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) subdirs.push(full);
    } else if (e.isSymbolicLink()) {
      if (e.name.startsWith('result') || !e.name.endsWith('.nix')) continue;
      if ((await stat(full).catch(() => undefined))?.isFile()) found.push(full);
    } else if (e.isFile() && e.name.endsWith('.nix')) found.push(full);
  }
  await Promise.all(subdirs.map((d) => walk(d, found)));
}
