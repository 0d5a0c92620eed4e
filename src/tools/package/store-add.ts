import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ClientError } from '../../client/index.ts';
import { DEFAULT_STORE_DIR, dumpPath, encodeBase32 } from '../../nix/index.ts';
import { nixOk } from '../shared/nix-run.ts';

export interface PackageTree {
  /** `<name>-<version>`: the store path's name. */
  name: string;
  /** Path inside the package, e.g. `lib/libfoo.so`. */
  file: string;
  bytes: Buffer;
  /** Extra symlinks beside the file (e.g. the SONAME), relative names in its folder. */
  links: string[];
}

export interface AddedPath {
  path: string;
  /** `sha256:<nix-base32>` of the package's NAR. */
  narHash: string;
}

/**
 * The store path Nix gives a tree added as `fixed:r:sha256` without references
 * (store-api.cc `makeFixedOutputPath` → `makeStorePath("source", …)`; 20-byte XOR fold as
 * hash.cc `compressHash`). Computing it lets `package` check Nix's answer.
 */
export function fixedOutputPath(narSha256: Buffer, name: string, storeDir = DEFAULT_STORE_DIR) {
  const fingerprint = `source:sha256:${narSha256.toString('hex')}:${storeDir}:${name}`;
  const full = createHash('sha256').update(fingerprint).digest();
  const folded = Buffer.alloc(20);
  for (const [i, b] of full.entries()) folded[i % 20] = (folded[i % 20] as number) ^ b;
  return `${storeDir}/${encodeBase32(folded)}-${name}`;
}

/**
 * Adds the package as a content-addressed path (`nix-store --add-fixed --recursive sha256`):
 * the path depends only on the NAR, which depends only on names, bytes and the execute bit,
 * so the same artifact under the same name and version always lands on the same path.
 * The bytes written are the ones that were checked, so the file cannot change in between.
 */
export async function addPackage(
  tree: PackageTree,
  opts: { store?: string | undefined } = {},
): Promise<AddedPath> {
  const work = await mkdtemp(join(tmpdir(), 'larder-package-'));
  try {
    const root = join(work, tree.name);
    const target = join(root, tree.file);
    const folder = join(target, '..');
    await mkdir(folder, { recursive: true });
    await writeFile(target, tree.bytes);
    // Only the owner's execute bit reaches the NAR; libraries are executable, as in nixpkgs.
    await chmod(target, 0o555);
    const base = tree.file.split('/').pop() as string;
    for (const link of tree.links) await symlink(base, join(folder, link));
    const sha = createHash('sha256');
    await pipeline(dumpPath(root), sha);
    const digest = sha.digest();
    const expected = fixedOutputPath(digest, tree.name);
    const out = await nixOk('nix-store', ['--add-fixed', '--recursive', 'sha256', root], opts);
    const path = out.trim().split('\n').pop() ?? '';
    if (path !== expected)
      throw new ClientError(`nix-store added ${path}, expected ${expected} for this content`, {
        exitCode: 2,
      });
    return { path, narHash: `sha256:${encodeBase32(digest)}` };
  } finally {
    await chmod(work, 0o755).catch(() => {});
    await rm(work, { recursive: true, force: true });
  }
}
