import { forbidden, notFound } from '../../util/http-error.ts';
import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { mayManage, tokenView } from '../token-view.ts';

/** Revoke a token; effective for the very next request. */
export default defineRoute({
  methods: ['DELETE'],
  pattern: /^\/_api\/v1\/tokens\/(?<id>[0-9a-f]{1,64})$/,
  access: { kind: 'token' },
  async handle(ctx) {
    const id = ctx.params.id as string;
    const rec = await ctx.deps.index.getToken(id);
    if (!rec) throw notFound(`no token with id ${id}`);
    if (!mayManage(ctx.token?.grants ?? [], rec.grants))
      throw forbidden(`not allowed to revoke token ${id}`);
    const now = ctx.deps.now();
    await ctx.deps.index.revokeToken(id, now);
    ctx.deps.logger.info(`revoked token ${id}`);
    sendJson(ctx.res, 200, tokenView({ ...rec, revokedAt: rec.revokedAt ?? now }, now));
  },
});
