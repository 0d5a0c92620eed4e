import type { PathRecord } from '../index/index.ts';
import { decodeBase32, serializeNarInfo } from '../nix/index.ts';

/**
 * The narinfo exactly as Nix would write it to a file:// cache, with the cache's signature
 * beside the uploader's (Nix keeps `Sig` lines in a sorted set, so they are sorted here too).
 */
export function renderNarInfo(p: PathRecord, storeDir: string): Buffer {
  const text = serializeNarInfo(
    {
      storePath: `${storeDir}/${p.baseName}`,
      url: p.url,
      compression: p.nar.compression,
      fileHash: { algo: 'sha256', digest: decodeBase32(p.nar.fileHash) },
      fileSize: p.nar.fileSize,
      narHash: { algo: 'sha256', digest: decodeBase32(p.nar.narHash) },
      narSize: p.nar.narSize,
      references: p.references,
      deriver: p.deriver,
      system: p.system,
      sigs: [...new Set([...p.sigs, p.cacheSig])].sort(),
      ca: p.ca,
    },
    storeDir,
  );
  return Buffer.from(text);
}
