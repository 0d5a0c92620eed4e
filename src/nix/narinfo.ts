import type { Hash } from './hash.ts';

/** A narinfo as Nix holds it (src/libstore/nar-info.hh); paths other than `storePath` are base names. */
export interface NarInfo {
  storePath: string;
  url: string;
  compression: string;
  fileHash?: Hash;
  fileSize?: number;
  narHash: Hash;
  narSize: number;
  /** Base names (`<hash>-<name>`), sorted and unique as Nix's StorePathSet keeps them. */
  references: string[];
  /** Base name of the .drv, absent for `unknown-deriver`. */
  deriver?: string;
  system?: string;
  /** `<keyname>:<base64>`, sorted and unique as Nix's std::set keeps them. */
  sigs: string[];
  ca?: string;
}

/** Compression names Nix knows (newer Nix's `parseCompressionAlgo`; 2.8 passed the name to libarchive). */
export const COMPRESSIONS: ReadonlySet<string> = new Set([
  'none',
  'br',
  'bzip2',
  'compress',
  'grzip',
  'gzip',
  'lrzip',
  'lz4',
  'lzip',
  'lzma',
  'lzop',
  'xz',
  'zstd',
]);

/** Sorted like a C++ std::set<std::string>: by bytes, duplicates dropped. */
export function sortedUnique(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
