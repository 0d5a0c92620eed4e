/**
 * The NAR wire format's one primitive (src/libutil/serialise.cc `writeString`, archive.cc):
 * every token, name and file body is a little-endian u64 length, the bytes, then zero
 * padding up to a multiple of 8.
 */

export const NAR_MAGIC = 'nix-archive-1';

/** Zero bytes that follow `len` bytes to reach the next multiple of 8. */
export const padding = (len: number): number => (8 - (len % 8)) % 8;

const ZEROS = Buffer.alloc(8);

/** A u64 in little-endian. */
export function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** One length-prefixed, padded string. */
export function narString(s: string | Buffer): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([u64(bytes.length), bytes, ZEROS.subarray(0, padding(bytes.length))]);
}

/** Several strings back to back, as one buffer. */
export const narStrings = (...parts: (string | Buffer)[]): Buffer =>
  Buffer.concat(parts.map(narString));

/** The zero bytes after a file body of `len` bytes. */
export const narPadding = (len: number): Buffer => ZEROS.subarray(0, padding(len));
