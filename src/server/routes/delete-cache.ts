import { notFound } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** Delete a cache and its paths; NAR files other caches share stay. */
export default defineRoute({
  methods: ['DELETE'],
  pattern: route(`/_api/v1/caches/${CACHE}`),
  access: { kind: 'cache', scope: 'admin' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    if (!(await ctx.deps.index.deleteCache(cache.name)))
      throw notFound(`no cache named ${cache.name}`);
    ctx.deps.logger.info(`deleted cache ${cache.name}`);
    sendJson(ctx.res, 200, { deleted: cache.name });
  },
});
