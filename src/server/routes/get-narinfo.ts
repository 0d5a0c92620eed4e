import { renderNarInfo } from '../../cache/index.ts';
import type { CacheRecord, PathRecord } from '../../index/index.ts';
import { narInfoFromUpstream } from '../../upstream/index.ts';
import { notFound } from '../../util/http-error.ts';
import { cacheOf, type Deps, defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';
import { CACHE, HASH, route } from './patterns.ts';

const NARINFO = 'text/x-nix-narinfo';
const HITS = 'Narinfo requests answered with a path.';
const MISSES = 'Narinfo requests for paths the cache lacks.';

/** A narinfo, signed by the cache; 404 when the cache does not have the path. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/${HASH}\\.narinfo`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const hash = ctx.params.hash as string;
    const rec = await ctx.deps.index.getPath(cache.name, hash);
    count(ctx.deps, cache, rec);
    if (rec) return sendText(ctx.res, 200, renderNarInfo(rec, ctx.deps.config.storeDir), NARINFO);
    const fromUpstream = await narInfoFromUpstream(ctx.deps, cache, hash);
    if (fromUpstream) return sendText(ctx.res, 200, fromUpstream, NARINFO);
    throw notFound(`${hash}.narinfo is not in cache ${cache.name}`);
  },
  async fast(ctx) {
    const cache = ctx.cache as CacheRecord;
    const hash = ctx.params.hash as string;
    const rec = await ctx.deps.index.getPath(cache.name, hash);
    // A miss that an upstream may answer is the full route's (it counts, then fetches).
    if (!rec && ctx.deps.config.upstreams[cache.name]?.pullThrough) return undefined;
    count(ctx.deps, cache, rec);
    return rec
      ? { status: 200, contentType: NARINFO, body: renderNarInfo(rec, ctx.deps.config.storeDir) }
      : { status: 404, contentType: 'application/json', body: missBody(cache, hash) };
  },
});

/** A lookup counted as a hit or a miss, in the metrics and in the cache's usage. */
function count(deps: Deps, cache: CacheRecord, rec: PathRecord | undefined): void {
  const labels = () => ({ cache: cache.name });
  if (!rec) deps.metrics.hot('larder_narinfo_misses_total', MISSES, cache.name, labels)();
  else deps.metrics.hot('larder_narinfo_hits_total', HITS, cache.name, labels)();
  deps.usage.narinfo(cache.name, rec?.hashPart);
}

/** The body the error handler gives a 404, so both lanes answer a miss alike. */
const missBody = (cache: CacheRecord, hash: string): Buffer => {
  const err = notFound(`${hash}.narinfo is not in cache ${cache.name}`);
  return Buffer.from(`${JSON.stringify({ code: err.code, message: err.message })}\n`);
};
