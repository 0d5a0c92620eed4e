import { collect, dryRun as dryRunCache } from '../../retention/index.ts';
import { badRequest } from '../../util/http-error.ts';
import { readJson } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** Show (`{ "dryRun": true }`) or run the cache's eviction plan. */
export default defineRoute({
  methods: ['POST'],
  pattern: route(`/_api/v1/${CACHE}/gc`),
  access: { kind: 'cache', scope: 'delete' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const body = await readJson(ctx);
    const dryRun = body.dryRun === true;
    // A collection of a large cache can evict 100,000 roots: list the first `limit` (in
    // eviction order) and give totals for all, so the answer stays small.
    const limit = body.limit === undefined ? 1000 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 0)
      throw badRequest('limit must be a whole number of roots to list', 'limit');
    const c = dryRun
      ? await dryRunCache(ctx.deps, cache, limit)
      : await collect(ctx.deps, cache, limit);
    const skipped = new Set(c.skipped);
    sendJson(ctx.res, 200, {
      cache: cache.name,
      dryRun,
      quota: cache.quota ?? null,
      bytesBefore: c.totalBytes,
      bytesAfter: c.bytesAfter,
      evictionCount: c.evictionCount,
      pathCount: c.pathCount,
      evictions: c.evictions.map((e) => ({
        root: e.root.baseName,
        tier: e.root.tier,
        reason: e.reason,
        value: Number(e.root.value.toPrecision(4)),
        rebuildSeconds: Math.round(e.root.rebuildSeconds),
        rebuildEstimated: e.root.rebuildEstimated,
        paths: e.pathCount,
        bytesFreed: e.bytesFreed,
        skipped: skipped.has(e.root.baseName),
      })),
    });
  },
});
