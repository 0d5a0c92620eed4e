import { planCache } from '../../retention/index.ts';
import { badRequest } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** The cache's roots with their tiers, optionally only some tiers (`?tier=1,2`): what `larder pull --tier` fetches. */
export default defineRoute({
  methods: ['GET'],
  pattern: route(`/_api/v1/${CACHE}/roots`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const wanted = ctx.query.get('tier');
    const tiers = wanted ? wanted.split(',').map(Number) : [1, 2, 3];
    if (!tiers.every((t) => t === 1 || t === 2 || t === 3))
      throw badRequest('tier must be a list of 1, 2, 3', 'tier');
    const plan = await planCache(ctx.deps, cache);
    const roots = plan.roots
      .filter((r) => tiers.includes(r.tier))
      .map((r) => ({
        path: `${ctx.deps.config.storeDir}/${r.baseName}`,
        tier: r.tier,
        closureBytes: r.closureBytes,
        // Recorded build seconds (from `larder build` or `push --build-seconds`), else estimated.
        rebuildSeconds: Number(r.rebuildSeconds.toFixed(1)),
        rebuildEstimated: r.rebuildEstimated,
      }));
    sendJson(ctx.res, 200, { roots });
  },
});
