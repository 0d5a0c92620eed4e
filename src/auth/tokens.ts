import { createHash, randomBytes } from 'node:crypto';
import type { Grant, Scope, TokenRecord } from '../index/index.ts';

const TOKEN_PREFIX = 'larder_';

/** A new random token; only its hash is ever stored. */
export function newToken(): { token: string; hash: string; id: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), id: randomBytes(6).toString('hex') };
}

/** Tokens have 256 random bits, so a plain sha256 is enough: no brute force to slow down. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Reads the token from `Authorization`: `Bearer <token>`, or HTTP Basic with the token as
 * password (what Nix sends from a netrc entry; the user name is ignored).
 */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon >= 0 ? decoded.slice(colon + 1) : decoded;
    return password || undefined;
  }
  return undefined;
}

/** Why a stored token cannot be used now, or undefined when it can. */
export function tokenProblem(t: TokenRecord, now: number): string | undefined {
  if (t.revokedAt !== undefined) return 'the token has been revoked';
  if (t.expiresAt !== undefined && t.expiresAt <= now)
    return `the token expired at ${new Date(t.expiresAt).toISOString()}`;
  return undefined;
}

/** `admin` on a cache implies every other scope there; a `*` grant covers every cache. */
export function grantsAllow(grants: Grant[], cache: string, scope: Scope): boolean {
  return grants.some(
    (g) =>
      (g.cache === cache || g.cache === '*') &&
      (g.scopes.includes(scope) || g.scopes.includes('admin')),
  );
}

/** Server-wide administration (creating caches, every token) needs `admin` on `*`. */
export function isGlobalAdmin(grants: Grant[]): boolean {
  return grants.some((g) => g.cache === '*' && g.scopes.includes('admin'));
}
