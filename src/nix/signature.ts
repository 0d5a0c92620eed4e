import { sign, verify } from 'node:crypto';
import { decodeBase64Strict } from './base64.ts';
import { NixFormatError } from './errors.ts';
import { formatHash, type Hash } from './hash.ts';
import type { PublicKey, SecretKey } from './keys.ts';

/**
 * What Nix signs for a store path (src/libstore/store-api.cc `ValidPathInfo::fingerprint`):
 * `1;<storePath>;<narHash as algo:base32>;<narSize>;<full reference paths, sorted, ','-joined>`.
 */
export function fingerprintPath(
  storePath: string,
  narHash: Hash,
  narSize: number,
  references: string[],
): string {
  // Nix refuses to fingerprint without a size; a signature over 0 would vouch for nothing.
  if (!Number.isSafeInteger(narSize) || narSize <= 0)
    throw new NixFormatError(`invalid NAR size ${narSize}`, 'NarSize');
  const refs = [...new Set(references)].sort();
  return `1;${storePath};${formatHash(narHash, 'base32')};${narSize};${refs.join(',')}`;
}

/** Splits a `<keyname>:<base64 of 64 bytes>` signature; throws NixFormatError when malformed. */
export function parseSignature(sig: string, field?: string): { keyName: string; sig: Buffer } {
  const colon = sig.indexOf(':');
  if (colon <= 0) throw new NixFormatError(`signature '${sig}' is not '<keyname>:<base64>'`, field);
  const bytes = decodeBase64Strict(sig.slice(colon + 1), `signature '${sig}'`, field);
  if (bytes.length !== 64)
    throw new NixFormatError(`signature '${sig}' has ${bytes.length} bytes, not 64`, field);
  return { keyName: sig.slice(0, colon), sig: bytes };
}

/** Signs `message` with ed25519; returns `<keyname>:<base64 signature>` (crypto.cc `signDetached`). */
export function signDetached(sk: SecretKey, message: string): string {
  return `${sk.name}:${sign(null, Buffer.from(message), sk.keyObject).toString('base64')}`;
}

/** True when some key named like the signature verifies it; false for malformed signatures. */
export function verifySignature(message: string, sig: string, keys: PublicKey[]): boolean {
  let parsed: { keyName: string; sig: Buffer };
  try {
    parsed = parseSignature(sig);
  } catch {
    return false;
  }
  const data = Buffer.from(message);
  return keys.some((k) => k.name === parsed.keyName && verify(null, data, k.keyObject, parsed.sig));
}
