import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64Strict } from './base64.ts';
import { NixFormatError } from './errors.ts';

/**
 * An ed25519 signing key in Nix's format (src/libstore/crypto.cc): `name:base64` of
 * libsodium's 64-byte secret key, which is the 32-byte seed followed by the public key.
 */
export interface SecretKey {
  name: string;
  /** The 32-byte seed. */
  seed: Buffer;
  /** The 32-byte public key. */
  publicKey: Buffer;
  keyObject: KeyObject;
}

/** An ed25519 public key in Nix's format: `name:base64` of the 32 raw bytes. */
export interface PublicKey {
  name: string;
  key: Buffer;
  keyObject: KeyObject;
}

// DER headers that wrap raw ed25519 keys as PKCS#8 and SPKI (RFC 8410), so node:crypto
// can use them without any library.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const privateKeyOf = (seed: Buffer) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
const publicKeyObject = (raw: Buffer) =>
  createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
const rawPublicKey = (k: KeyObject) =>
  k.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);

/**
 * Key names end up in `trusted-public-keys`, a whitespace-separated list, and before the
 * first ':' of every signature, so neither may appear in them.
 */
export function checkKeyName(name: string): void {
  if (name === '' || /[\s:]/.test(name))
    throw new NixFormatError(`invalid key name '${name}': empty, or has ':' or whitespace`);
}

/** Splits `name:base64` the way crypto.cc `split` does (first ':'), surrounding whitespace ignored. */
function splitKey(text: string, what: string): { name: string; bytes: Buffer } {
  const s = text.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) throw new NixFormatError(`${what} is not '<name>:<base64>'`);
  const name = s.slice(0, colon);
  checkKeyName(name);
  return { name, bytes: decodeBase64Strict(s.slice(colon + 1), what) };
}

/** Parses a secret key file's text (as `nix-store --generate-binary-cache-key` writes it). */
export function parseSecretKey(text: string): SecretKey {
  const { name, bytes } = splitKey(text, 'secret key');
  if (bytes.length !== 64)
    throw new NixFormatError(`secret key '${name}' has ${bytes.length} bytes, not 64`);
  const seed = Buffer.from(bytes.subarray(0, 32));
  const keyObject = privateKeyOf(seed);
  const publicKey = rawPublicKey(createPublicKey(keyObject));
  // libsodium signs with the stored public half; one that does not match the seed makes
  // signatures nobody can verify, so refuse such a key now rather than serve bad signatures.
  if (!publicKey.equals(bytes.subarray(32)))
    throw new NixFormatError(`secret key '${name}' is corrupt: its halves do not match`);
  return { name, seed, publicKey, keyObject };
}

/** Parses `name:base64` of a 32-byte ed25519 public key (a `trusted-public-keys` entry). */
export function parsePublicKey(text: string): PublicKey {
  const { name, bytes } = splitKey(text, 'public key');
  if (bytes.length !== 32)
    throw new NixFormatError(`public key '${name}' has ${bytes.length} bytes, not 32`);
  return { name, key: bytes, keyObject: publicKeyObject(bytes) };
}

/** `name:base64(seed ‖ public key)`, no trailing newline, as Nix writes the file. */
export const formatSecretKey = (sk: SecretKey): string =>
  `${sk.name}:${Buffer.concat([sk.seed, sk.publicKey]).toString('base64')}`;

/** `name:base64(public key)`. */
export const formatPublicKey = (pk: PublicKey): string => `${pk.name}:${pk.key.toString('base64')}`;

/** The public half of a secret key, under the same name. */
export const publicKeyOf = (sk: SecretKey): PublicKey => ({
  name: sk.name,
  key: sk.publicKey,
  keyObject: publicKeyObject(sk.publicKey),
});

/** A fresh random ed25519 key named `name` (crypto.cc `SecretKey::generate`). */
export function generateSecretKey(name: string): SecretKey {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return {
    name,
    seed: Buffer.from(seed),
    publicKey: Buffer.from(rawPublicKey(publicKey)),
    keyObject: privateKey,
  };
}
