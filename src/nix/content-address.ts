import { NixFormatError } from './errors.ts';
import { formatHash, HASH_SIZE, type HashAlgo, parseHash } from './hash.ts';

/**
 * Parses a narinfo `CA` value and returns it as Nix prints it (src/libstore/content-address.cc):
 * `text:sha256:<base32>`, `fixed:<algo>:<base32>` or `fixed:r:<algo>:<base32>`. The digest may
 * come in any non-SRI encoding; Nix re-prints it in nix-base32, and so does this.
 */
export function canonicalContentAddress(value: string, field = 'CA'): string {
  const m = /^(text|fixed):(r:|git:)?([a-z0-9]+):(.*)$/.exec(value);
  const fail = (why: string) =>
    new NixFormatError(`'${value}' is not a content address: ${why}`, field);
  if (!m) throw fail("expected 'text:<algo>:<hash>' or 'fixed:[r:]<algo>:<hash>'");
  const [, kind, method = '', algo = '', digest = ''] = m;
  if (!Object.hasOwn(HASH_SIZE, algo)) throw fail(`unknown hash algorithm '${algo}'`);
  if (kind === 'text' && (method !== '' || algo !== 'sha256'))
    throw fail('text addresses are flat sha256');
  // `git:` is how newer Nix (2.20+) marks git-hashed trees; keep it rather than refuse a newer client.
  const hash = parseHash(`${algo}:${digest}`, field);
  return `${kind}:${method}${formatHash({ algo: algo as HashAlgo, digest: hash.digest }, 'base32')}`;
}
