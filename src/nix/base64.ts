import { NixFormatError } from './errors.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes padded standard base64, as Nix prints it (src/libutil/util.cc `base64Encode`).
 * Node's decoder skips anything it does not understand; this one rejects it, and also
 * non-zero bits in the last group, so each value has a single spelling.
 */
export function decodeBase64Strict(s: string, what: string, field?: string): Buffer {
  const bytes = BASE64.test(s) ? Buffer.from(s, 'base64') : undefined;
  if (!bytes || bytes.toString('base64') !== s) {
    throw new NixFormatError(`${what} is not valid base64`, field);
  }
  return bytes;
}
