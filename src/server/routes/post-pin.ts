import { parseStorePath } from '../../nix/index.ts';
import { badRequest, notFound } from '../../util/http-error.ts';
import { readJson } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** Make a path a root with a tier: `{ "path": "/nix/store/…", "tier": 1 }`. */
export default defineRoute({
  methods: ['POST'],
  pattern: route(`/_api/v1/${CACHE}/pin`),
  access: { kind: 'cache', scope: 'push' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const body = await readJson(ctx);
    let hashPart: string;
    try {
      hashPart = parseStorePath(String(body.path), ctx.deps.config.storeDir).hashPart;
    } catch (err) {
      throw badRequest((err as Error).message, 'path');
    }
    const tier = body.tier === undefined ? undefined : Number(body.tier);
    if (tier !== undefined && ![1, 2, 3].includes(tier))
      throw badRequest('must be 1, 2 or 3', 'tier');
    if (!(await ctx.deps.index.pin(cache.name, hashPart, tier)))
      throw notFound(`${body.path} is not in cache ${cache.name}`);
    sendJson(ctx.res, 200, { path: body.path, tier: tier ?? null, pinned: true });
  },
});
