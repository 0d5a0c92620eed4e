import { grantsAllow } from '../../auth/index.ts';
import { cacheView } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';

/** Caches the caller can pull from: public ones, and private ones the token covers. */
export default defineRoute({
  methods: ['GET'],
  pattern: /^\/_api\/v1\/caches$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const all = await ctx.deps.index.listCaches();
    const visible = all.filter(
      (c) => c.public || (ctx.token && grantsAllow(ctx.token.grants, c.name, 'pull')),
    );
    sendJson(ctx.res, 200, { caches: visible.map((c) => cacheView(ctx, c)) });
  },
});
