import type { CacheRecord } from '../index/index.ts';
import { parseSecretKey, type SecretKey } from '../nix/index.ts';

const parsed = new Map<string, SecretKey>();

/** The cache's parsed signing key, parsed once per key text. */
export function signingKeyOf(cache: CacheRecord): SecretKey {
  let key = parsed.get(cache.secretKey);
  if (!key) {
    key = parseSecretKey(cache.secretKey);
    parsed.set(cache.secretKey, key);
  }
  return key;
}
