import { grantsAllow, isGlobalAdmin } from '../auth/index.ts';
import type { Grant, TokenRecord } from '../index/index.ts';

/** A token as the API lists it: never the token or its hash. */
export function tokenView(t: TokenRecord, now: number) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: t.id,
    description: t.description,
    grants: t.grants,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    revokedAt: iso(t.revokedAt),
    active: t.revokedAt === undefined && (t.expiresAt === undefined || t.expiresAt > now),
  };
}

/** A caller may manage tokens whose every grant is on caches it administers. */
export function mayManage(caller: Grant[], grants: Grant[]): boolean {
  if (isGlobalAdmin(caller)) return true;
  return grants.every((g) => g.cache !== '*' && grantsAllow(caller, g.cache, 'admin'));
}
