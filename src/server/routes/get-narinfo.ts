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
    const body = await narinfo(ctx.deps, cache, hash);
    count(ctx.deps, cache, hash, body);
    if (body) return sendText(ctx.res, 200, body, NARINFO);
    const fromUpstream = await narInfoFromUpstream(ctx.deps, cache, hash);
    if (fromUpstream) return sendText(ctx.res, 200, fromUpstream, NARINFO);
    throw notFound(`${hash}.narinfo is not in cache ${cache.name}`);
  },
  async fast(ctx) {
    const cache = ctx.cache as CacheRecord;
    const hash = ctx.params.hash as string;
    const body = await narinfo(ctx.deps, cache, hash);
    // A miss that an upstream may answer is the full route's (it counts, then fetches).
    if (!body && ctx.deps.config.upstreams[cache.name]?.pullThrough) return undefined;
    count(ctx.deps, cache, hash, body);
    return body
      ? { status: 200, contentType: NARINFO, body }
      : { status: 404, contentType: 'application/json', body: missBody(cache, hash) };
  },
});

/** The path's narinfo as stored, rendered once and memoised by the index. */
const narinfo = (deps: Deps, cache: CacheRecord, hash: string): Promise<Buffer | undefined> =>
  deps.index.renderedPath(cache.name, hash, (rec: PathRecord) =>
    renderNarInfo(rec, deps.config.storeDir),
  );

/** A lookup counted as a hit or a miss, in the metrics and in the cache's usage. */
function count(deps: Deps, cache: CacheRecord, hash: string, found: Buffer | undefined): void {
  const labels = () => ({ cache: cache.name });
  if (!found) deps.metrics.hot('larder_narinfo_misses_total', MISSES, cache.name, labels)();
  else deps.metrics.hot('larder_narinfo_hits_total', HITS, cache.name, labels)();
  deps.usage.narinfo(cache.name, found ? hash : undefined);
}

/** The body the error handler gives a 404, so both lanes answer a miss alike. */
const missBody = (cache: CacheRecord, hash: string): Buffer => {
  const err = notFound(`${hash}.narinfo is not in cache ${cache.name}`);
  return Buffer.from(`${JSON.stringify({ code: err.code, message: err.message })}\n`);
};
