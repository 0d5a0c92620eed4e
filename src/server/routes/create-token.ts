import { newToken } from '../../auth/index.ts';
import { type Grant, SCOPES, type Scope, type TokenRecord } from '../../index/index.ts';
import { badRequest, forbidden } from '../../util/http-error.ts';
import { parseDuration } from '../../util/units.ts';
import { readJson } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { mayManage, tokenView } from '../token-view.ts';

/**
 * Create a token: `{ grants: [{ cache, scopes }], description?, expiresIn?: "30d" }`.
 * The token is in this response only; the server keeps its hash.
 */
export default defineRoute({
  methods: ['POST'],
  pattern: /^\/_api\/v1\/tokens$/,
  access: { kind: 'token' },
  async handle(ctx) {
    const body = await readJson(ctx);
    const grants = parseGrants(body.grants);
    const caller = ctx.token?.grants ?? [];
    if (!mayManage(caller, grants)) {
      throw forbidden(
        'a token can only grant scopes on caches where the caller has the admin scope',
      );
    }
    for (const g of grants) {
      if (g.cache !== '*' && !(await ctx.deps.index.getCache(g.cache)))
        throw badRequest(`no cache named ${g.cache}`, 'grants');
    }
    const now = ctx.deps.now();
    let expiresAt: number | undefined;
    if (body.expiresIn !== undefined) {
      try {
        expiresAt = now + parseDuration(body.expiresIn as string);
      } catch (err) {
        throw badRequest((err as Error).message, 'expiresIn');
      }
    }
    const description = typeof body.description === 'string' ? body.description.slice(0, 200) : '';
    const { token, hash, id } = newToken();
    const rec: TokenRecord = {
      id,
      hash,
      description,
      grants,
      createdAt: now,
      expiresAt,
      revokedAt: undefined,
    };
    await ctx.deps.index.createToken(rec);
    ctx.deps.logger.info(
      `created token ${id} (${grants.map((g) => `${g.cache}:${g.scopes.join('+')}`).join(', ')})`,
    );
    sendJson(ctx.res, 201, { ...tokenView(rec, now), token });
  },
});

function parseGrants(v: unknown): Grant[] {
  if (!Array.isArray(v) || v.length === 0)
    throw badRequest('give at least one { cache, scopes } grant', 'grants');
  return v.map((g: unknown) => {
    const { cache, scopes } = (g ?? {}) as { cache?: unknown; scopes?: unknown };
    if (typeof cache !== 'string' || cache === '')
      throw badRequest('each grant names a cache (or *)', 'grants');
    if (
      !Array.isArray(scopes) ||
      scopes.length === 0 ||
      !scopes.every((s) => SCOPES.includes(s as Scope))
    ) {
      throw badRequest(`scopes must be a non-empty list of ${SCOPES.join(', ')}`, 'grants');
    }
    return { cache, scopes: [...new Set(scopes as Scope[])] };
  });
}
