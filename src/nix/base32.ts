import { NixFormatError } from './errors.ts';

/**
 * Nix's base-32 alphabet: digits and lowercase letters without e, o, u and t, so that
 * hashes never spell words (src/libutil/hash.cc, `base32Chars`).
 */
export const BASE32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE32_ALPHABET.length; i++) DIGIT[BASE32_ALPHABET.charCodeAt(i)] = i;

/** Length of the nix-base32 text for `size` bytes. */
export const base32Length = (size: number): number => Math.ceil((size * 8) / 5);

/**
 * Encodes bytes the way Nix prints hashes: 5-bit groups taken from the least significant
 * end of the byte string and printed most significant first (hash.cc `printHash32`), which
 * is neither RFC 4648 base32 nor a big-endian number.
 */
export function encodeBase32(bytes: Uint8Array): string {
  const len = base32Length(bytes.length);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = ((bytes[i] ?? 0) >> j) | ((bytes[i + 1] ?? 0) << (8 - j));
    out += BASE32_ALPHABET[c & 0x1f];
  }
  return out;
}

/**
 * Decodes nix-base32; throws NixFormatError on a character outside the alphabet, on a
 * length no byte string encodes to, or on bits beyond the last byte (hash.cc rejects those
 * too, so every byte string has exactly one spelling).
 */
export function decodeBase32(s: string): Buffer {
  const size = Math.floor((s.length * 5) / 8);
  if (base32Length(size) !== s.length) {
    throw new NixFormatError(`invalid nix-base32 length ${s.length}`);
  }
  const out = Buffer.alloc(size);
  for (let n = 0; n < s.length; n++) {
    const code = s.charCodeAt(s.length - n - 1);
    const digit = code < 128 ? (DIGIT[code] as number) : -1;
    if (digit < 0)
      throw new NixFormatError(`invalid nix-base32 character '${s[s.length - n - 1]}' in '${s}'`);
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i] = (out[i] as number) | ((digit << j) & 0xff);
    const carry = digit >> (8 - j);
    if (i < size - 1) out[i + 1] = (out[i + 1] as number) | carry;
    else if (carry !== 0)
      throw new NixFormatError(`nix-base32 string '${s}' has bits beyond its length`);
  }
  return out;
}
