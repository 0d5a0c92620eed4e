import { cacheStats } from '../../retention/index.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** Size per tier against the quota, hit rate, most valuable and next-to-go roots. */
export default defineRoute({
  methods: ['GET'],
  pattern: route(`/_api/v1/${CACHE}/stats`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    await ctx.deps.usage.flush();
    sendJson(ctx.res, 200, await cacheStats(ctx.deps, cacheOf(ctx)));
  },
});
