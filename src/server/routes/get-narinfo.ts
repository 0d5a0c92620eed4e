import { renderNarInfo } from '../../cache/index.ts';
import type { CacheRecord } from '../../index/index.ts';
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
    const body = await lookup(ctx.deps, cache, hash, true);
    if (body) return sendText(ctx.res, 200, body, NARINFO);
    const fromUpstream = await narInfoFromUpstream(ctx.deps, cache, hash);
    if (fromUpstream) return sendText(ctx.res, 200, fromUpstream, NARINFO);
    throw notFound(`${hash}.narinfo is not in cache ${cache.name}`);
  },
  async fast(ctx) {
    const cache = ctx.cache as CacheRecord;
    const hash = ctx.params.hash as string;
    // A miss that an upstream may answer is the full route's (it fetches, then counts).
    const body = await lookup(
      ctx.deps,
      cache,
      hash,
      !ctx.deps.config.upstreams[cache.name]?.pullThrough,
    );
    if (body === undefined) return undefined;
    return body
      ? { status: 200, contentType: NARINFO, body }
      : { status: 404, contentType: 'application/json', body: missBody(cache, hash) };
  },
});

/**
 * The cache's own answer, counted as a hit or miss: the narinfo, or null for a miss. A miss
 * is counted only when `final` (no upstream will be asked); otherwise it is undefined.
 */
async function lookup(
  deps: Deps,
  cache: CacheRecord,
  hash: string,
  final: boolean,
): Promise<Buffer | null | undefined> {
  const rec = await deps.index.getPath(cache.name, hash);
  if (!rec && !final) return undefined;
  const labels = () => ({ cache: cache.name });
  if (!rec) deps.metrics.hot('larder_narinfo_misses_total', MISSES, cache.name, labels)();
  else deps.metrics.hot('larder_narinfo_hits_total', HITS, cache.name, labels)();
  deps.usage.narinfo(cache.name, rec?.hashPart);
  return rec ? renderNarInfo(rec, deps.config.storeDir) : null;
}

/** The body the error handler gives a 404, so both lanes answer a miss alike. */
const missBody = (cache: CacheRecord, hash: string): Buffer => {
  const err = notFound(`${hash}.narinfo is not in cache ${cache.name}`);
  return Buffer.from(`${JSON.stringify({ code: err.code, message: err.message })}\n`);
};
