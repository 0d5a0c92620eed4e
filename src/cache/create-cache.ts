import type { CacheRecord, MetadataIndex } from '../index/index.ts';
import { formatPublicKey, formatSecretKey, generateSecretKey, publicKeyOf } from '../nix/index.ts';

/** Cache names: lowercase, URL-safe, and never one of the server's own top-level paths. */
const CACHE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const RESERVED = new Set([
  '_api',
  'api',
  'metrics',
  'healthz',
  'readyz',
  'caches',
  'tokens',
  'login',
  'static',
  'favicon.ico',
]);

export function cacheNameProblem(name: string): string | undefined {
  if (!CACHE_NAME.test(name))
    return 'a cache name is 1-63 characters of a-z, 0-9, "-" and "_", starting with a letter or digit';
  if (RESERVED.has(name)) return `"${name}" is reserved`;
  return undefined;
}

export interface NewCache {
  name: string;
  public?: boolean | undefined;
  priority?: number | undefined;
  quota?: number | undefined;
  /** Hostname-like key name; defaults to `<host>-<cache>`. */
  keyName?: string | undefined;
}

/** Creates a cache with a fresh ed25519 signing key; undefined when the name is taken. */
export async function createCache(
  index: MetadataIndex,
  c: NewCache,
  now: number,
): Promise<CacheRecord | undefined> {
  const sk = generateSecretKey(c.keyName ?? `larder-${c.name}-1`);
  const rec: CacheRecord = {
    name: c.name,
    public: c.public ?? false,
    // Nix's cache.nixos.org has priority 40; a self-hosted cache usually wants to win.
    priority: c.priority ?? 30,
    quota: c.quota,
    secretKey: formatSecretKey(sk),
    publicKey: formatPublicKey(publicKeyOf(sk)),
    createdAt: now,
  };
  return (await index.createCache(rec)) ? rec : undefined;
}
