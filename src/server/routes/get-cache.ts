import { cacheView } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** One cache: substituter URL, public key, settings and size. */
export default defineRoute({
  methods: ['GET'],
  pattern: route(`/_api/v1/caches/${CACHE}`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const counts = await ctx.deps.index.countPaths(cache.name);
    sendJson(ctx.res, 200, { ...cacheView(ctx, cache), ...counts });
  },
});
