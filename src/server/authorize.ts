import type { IncomingMessage } from 'node:http';
import {
  grantsAllow,
  hashToken,
  isGlobalAdmin,
  tokenFromHeader,
  tokenProblem,
} from '../auth/index.ts';
import type { CacheRecord, TokenRecord } from '../index/index.ts';
import { forbidden, notFound, unauthorized } from '../util/http-error.ts';
import type { Access, Deps } from './context.ts';

/** The caller's token: undefined when none was sent; 401 when one was sent but is not usable. */
export function authenticate(deps: Deps, req: IncomingMessage): Promise<TokenRecord | undefined> {
  return authenticateHeader(deps, req.headers.authorization);
}

/** `authenticate` from the `Authorization` header's value. */
export async function authenticateHeader(
  deps: Deps,
  authorization: string | undefined,
): Promise<TokenRecord | undefined> {
  const token = tokenFromHeader(authorization);
  if (!token) return undefined;
  const rec = await deps.index.getTokenByHash(hashToken(token));
  if (!rec) throw unauthorized('the token is not known to this server');
  const problem = tokenProblem(rec, deps.now());
  if (problem) throw unauthorized(problem);
  return rec;
}

/** Enforces a route's access rule; resolves the cache for cache routes. */
export async function authorize(
  deps: Deps,
  access: Access,
  token: TokenRecord | undefined,
  cacheName: string | undefined,
): Promise<CacheRecord | undefined> {
  switch (access.kind) {
    case 'anyone':
      return undefined;
    case 'token':
      if (!token) throw unauthorized();
      return undefined;
    case 'admin':
      if (!token) throw unauthorized();
      if (!isGlobalAdmin(token.grants))
        throw forbidden('this needs a token with the admin scope on every cache (*)');
      return undefined;
    case 'cache': {
      const cache = cacheName ? await deps.index.getCache(cacheName) : undefined;
      if (!cache) throw notFound(`no cache named ${cacheName ?? '(none)'}`);
      if (access.scope === 'pull' && cache.public) return cache;
      if (!token)
        throw unauthorized(
          `cache ${cache.name} is private: a token with the ${access.scope} scope is required`,
        );
      if (!grantsAllow(token.grants, cache.name, access.scope)) {
        throw forbidden(`the token lacks the ${access.scope} scope on cache ${cache.name}`);
      }
      return cache;
    }
  }
}
