import { collect, planCache } from '../../retention/index.ts';
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
    const dryRun = (await readJson(ctx)).dryRun === true;
    const { plan, skipped: skippedRecords } = dryRun
      ? { plan: await planCache(ctx.deps, cache, undefined, { evictionsOnly: true }), skipped: [] }
      : await collect(ctx.deps, cache);
    const skipped = skippedRecords.map((e) => e.root);
    sendJson(ctx.res, 200, {
      cache: cache.name,
      dryRun,
      quota: cache.quota ?? null,
      bytesBefore: plan.totalBytes,
      bytesAfter: plan.bytesAfter,
      evictions: plan.evictions.map((e) => ({
        root: e.root.baseName,
        tier: e.root.tier,
        reason: e.reason,
        value: Number(e.root.value.toPrecision(4)),
        rebuildSeconds: Math.round(e.root.rebuildSeconds),
        rebuildEstimated: e.root.rebuildEstimated,
        paths: e.pathCount,
        bytesFreed: e.bytesFreed,
        skipped: skipped.includes(e.root.baseName),
      })),
    });
  },
});
