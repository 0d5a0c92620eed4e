import type { NarRecord, PathRecord } from '../../src/index/index.ts';
import { fakeStorePath } from './upload.ts';

let seq = 0;

/** A NAR record of 1,000 bytes with a fresh hash and key, as an index stores it. */
export function fakeNar(): NarRecord {
  const h = fakeStorePath('x').hashPart.padEnd(52, '0');
  return {
    fileHash: h,
    fileSize: 1000,
    compression: 'none',
    narHash: h,
    narSize: 1000,
    key: `nar/${h}.${++seq}.nar`,
  };
}

/** A path record named `name` served from `n`, referring to `refs` (base names). */
export function fakePathRecord(name: string, n: NarRecord, refs: string[] = []): PathRecord {
  const sp = fakeStorePath(name);
  return {
    hashPart: sp.hashPart,
    baseName: sp.baseName,
    url: `nar/${n.fileHash}.nar`,
    nar: n,
    references: refs.sort(),
    deriver: undefined,
    system: 'x86_64-linux',
    ca: undefined,
    sigs: [],
    cacheSig: 'main-1:sig',
    tier: undefined,
    buildSeconds: undefined,
    createdAt: 1000,
  };
}
