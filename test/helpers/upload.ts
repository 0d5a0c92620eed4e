import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { zstdCompressSync } from 'node:zlib';
import { dumpPath, encodeBase32 } from '../../src/nix/index.ts';

/** A fake but well-formed store path: random hash part, given name. */
export function fakeStorePath(name: string): { hashPart: string; baseName: string; path: string } {
  const hashPart = encodeBase32(randomBytes(20));
  return { hashPart, baseName: `${hashPart}-${name}`, path: `/nix/store/${hashPart}-${name}` };
}

export interface Upload {
  hashPart: string;
  storePath: string;
  baseName: string;
  fileName: string;
  file: Buffer;
  nar: Buffer;
  narHash: string;
  fileHash: string;
  compression: 'none' | 'zstd';
  narinfo(overrides?: Record<string, string | undefined>, references?: string[]): string;
}

/** Builds a NAR of a small tree with `content`, compressed, plus a matching narinfo. */
export async function makeUpload(
  name: string,
  content: string | Buffer = randomBytes(64),
  compression: 'none' | 'zstd' = 'zstd',
): Promise<Upload> {
  const dir = mkdtempSync(join(tmpdir(), 'larder-nar-'));
  const root = join(dir, 'out');
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'bin', 'hello'), content, { mode: 0o755 });
  writeFileSync(join(root, 'README'), `about ${name}\n`);
  const nar = await buffer(dumpPath(root));
  rmSync(dir, { recursive: true, force: true });
  const file = compression === 'zstd' ? zstdCompressSync(nar) : nar;
  const sha = (b: Buffer) => encodeBase32(createHash('sha256').update(b).digest());
  const fileHash = sha(file);
  const narHash = sha(nar);
  const sp = fakeStorePath(name);
  const fileName = `${fileHash}.nar${compression === 'zstd' ? '.zst' : ''}`;
  return {
    hashPart: sp.hashPart,
    storePath: sp.path,
    baseName: sp.baseName,
    fileName,
    file,
    nar,
    narHash,
    fileHash,
    compression,
    narinfo(overrides = {}, references = []) {
      const fields: Record<string, string | undefined> = {
        StorePath: sp.path,
        URL: `nar/${fileName}`,
        Compression: compression,
        FileHash: `sha256:${fileHash}`,
        FileSize: String(file.length),
        NarHash: `sha256:${narHash}`,
        NarSize: String(nar.length),
        References: references.join(' '),
        ...overrides,
      };
      return Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${v}\n`)
        .join('');
    },
  };
}
