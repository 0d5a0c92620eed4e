import { notFound } from '../../util/http-error.ts';
import { cacheView, optBool, optInt, readJson } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { quotaOf } from './create-cache.ts';
import { CACHE, route } from './patterns.ts';

/** Change a cache's settings: public, priority, quota (null removes it). */
export default defineRoute({
  methods: ['PATCH'],
  pattern: route(`/_api/v1/caches/${CACHE}`),
  access: { kind: 'cache', scope: 'admin' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const body = await readJson(ctx);
    const patch: { public?: boolean; priority?: number; quota?: number | undefined } = {};
    const pub = optBool(body, 'public');
    if (pub !== undefined) patch.public = pub;
    const priority = optInt(body, 'priority');
    if (priority !== undefined) patch.priority = priority;
    if ('quota' in body) patch.quota = quotaOf(body.quota);
    const next = await ctx.deps.index.updateCache(cache.name, patch);
    if (!next) throw notFound(`no cache named ${cache.name}`);
    sendJson(ctx.res, 200, cacheView(ctx, next));
  },
});
