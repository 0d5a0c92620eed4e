import { createHash } from 'node:crypto';
import { base32Length, decodeBase32, encodeBase32 } from './base32.ts';
import { decodeBase64Strict } from './base64.ts';
import { NixFormatError } from './errors.ts';

export type HashAlgo = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface Hash {
  algo: HashAlgo;
  digest: Buffer;
}

export type HashEncoding = 'base32' | 'hex' | 'base64' | 'sri';

/** Digest sizes in bytes (src/libutil/hash.cc `regularHashSize`). */
export const HASH_SIZE: Readonly<Record<HashAlgo, number>> = {
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha512: 64,
};

const isAlgo = (s: string): s is HashAlgo => Object.hasOwn(HASH_SIZE, s);

/** Hashes bytes with one of Nix's algorithms. */
export function hashBytes(algo: HashAlgo, data: Uint8Array | string): Hash {
  return { algo, digest: createHash(algo).update(data).digest() };
}

/**
 * Parses `<algo>:<digest>` with the digest in hex, nix-base32 or base64 (told apart by
 * length, as hash.cc `Hash::Hash(rest, type, isSRI)` does), or SRI `<algo>-<base64>`.
 * A bare digest without an algorithm is refused: a narinfo always names it.
 */
export function parseHash(s: string, field?: string): Hash {
  // Like getParsedTypeAndSRI: the first ':' wins; only without one is '-' the SRI separator.
  const colon = s.indexOf(':');
  const sep = colon >= 0 ? colon : s.indexOf('-');
  if (sep < 0) throw new NixFormatError(`hash '${s}' does not name its algorithm`, field);
  const algo = s.slice(0, sep);
  if (!isAlgo(algo)) throw new NixFormatError(`unknown hash algorithm '${algo}' in '${s}'`, field);
  const rest = s.slice(sep + 1);
  const size = HASH_SIZE[algo];
  const wrong = () => new NixFormatError(`hash '${s}' has the wrong length for ${algo}`, field);
  let digest: Buffer;
  if (colon < 0) {
    digest = decodeBase64Strict(rest, `SRI hash '${s}'`, field);
  } else if (rest.length === size * 2) {
    if (!/^[0-9a-fA-F]*$/.test(rest)) throw new NixFormatError(`invalid hex hash '${s}'`, field);
    digest = Buffer.from(rest, 'hex');
  } else if (rest.length === base32Length(size)) {
    try {
      digest = decodeBase32(rest);
    } catch (err) {
      throw new NixFormatError(`invalid nix-base32 hash '${s}'`, field, { cause: err });
    }
  } else if (rest.length === Math.ceil(size / 3) * 4) {
    digest = decodeBase64Strict(rest, `hash '${s}'`, field);
  } else {
    throw wrong();
  }
  if (digest.length !== size) throw wrong();
  return { algo, digest };
}

/** Prints a hash as Nix does: `sha256:<nix-base32>` by default, `sha256-<base64>` for SRI. */
export function formatHash(h: Hash, enc: HashEncoding = 'base32'): string {
  switch (enc) {
    case 'base32':
      return `${h.algo}:${encodeBase32(h.digest)}`;
    case 'hex':
      return `${h.algo}:${h.digest.toString('hex')}`;
    case 'base64':
      return `${h.algo}:${h.digest.toString('base64')}`;
    case 'sri':
      return `${h.algo}-${h.digest.toString('base64')}`;
  }
}

/** True when both hashes have the same algorithm and digest. */
export const hashEquals = (a: Hash, b: Hash): boolean =>
  a.algo === b.algo && a.digest.equals(b.digest);
