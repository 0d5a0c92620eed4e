import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';

/** Readiness: the metadata index answers a query. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: /^\/readyz$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    await ctx.deps.index.listCaches();
    sendJson(ctx.res, 200, { status: 'ready' });
  },
});
