import { NixFormatError } from './errors.ts';
import { formatHash } from './hash.ts';
import { type NarInfo, sortedUnique } from './narinfo.ts';
import { DEFAULT_STORE_DIR, parseStorePath } from './store-path.ts';

/**
 * The narinfo text exactly as Nix 2.8's NarInfo::to_string writes it (src/libstore/nar-info.cc):
 * fixed field order, hashes as `sha256:<nix-base32>`, `References:` always present (with its
 * trailing space when empty), references and signatures sorted, a newline after every line.
 * `storePath` must lie in `storeDir`.
 */
export function serializeNarInfo(info: NarInfo, storeDir: string = DEFAULT_STORE_DIR): string {
  parseStorePath(info.storePath, storeDir, 'StorePath');
  if (!info.compression) throw new NixFormatError('is missing', 'Compression');
  if (!info.url) throw new NixFormatError('is missing', 'URL');
  const values = [
    info.url,
    info.compression,
    info.deriver,
    info.system,
    info.ca,
    ...info.references,
    ...info.sigs,
  ];
  // A newline in any value would forge further fields.
  if (values.some((v) => v !== undefined && /[\r\n]/.test(v)))
    throw new NixFormatError('a narinfo value contains a line break');
  let out = `StorePath: ${info.storePath}\nURL: ${info.url}\nCompression: ${info.compression}\n`;
  // Nix 2.8 asserts a FileHash is present; newer Nix omits both lines when unknown.
  if (info.fileHash) out += `FileHash: ${formatHash(info.fileHash, 'base32')}\n`;
  if (info.fileSize !== undefined) out += `FileSize: ${info.fileSize}\n`;
  out += `NarHash: ${formatHash(info.narHash, 'base32')}\nNarSize: ${info.narSize}\n`;
  out += `References: ${sortedUnique(info.references).join(' ')}\n`;
  if (info.deriver) out += `Deriver: ${info.deriver}\n`;
  // Newer Nix no longer writes System; 2.8 does when it is known.
  if (info.system) out += `System: ${info.system}\n`;
  for (const sig of sortedUnique(info.sigs)) out += `Sig: ${sig}\n`;
  if (info.ca) out += `CA: ${info.ca}\n`;
  return out;
}
