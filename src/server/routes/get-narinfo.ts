import { renderNarInfo } from '../../cache/index.ts';
import { narInfoFromUpstream } from '../../upstream/index.ts';
import { notFound } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';
import { CACHE, HASH, route } from './patterns.ts';

/** A narinfo, signed by the cache; 404 when the cache does not have the path. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/${HASH}\\.narinfo`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const rec = await ctx.deps.index.getPath(cache.name, ctx.params.hash as string);
    const m = ctx.deps.metrics;
    if (!rec)
      m.inc('larder_narinfo_misses_total', 'Narinfo requests for paths the cache lacks.', {
        cache: cache.name,
      });
    else
      m.inc('larder_narinfo_hits_total', 'Narinfo requests answered with a path.', {
        cache: cache.name,
      });
    ctx.deps.usage.narinfo(cache.name, rec?.hashPart);
    if (!rec) {
      const fromUpstream = await narInfoFromUpstream(ctx.deps, cache, ctx.params.hash as string);
      if (fromUpstream) return sendText(ctx.res, 200, fromUpstream, 'text/x-nix-narinfo');
      throw notFound(`${ctx.params.hash}.narinfo is not in cache ${cache.name}`);
    }
    sendText(ctx.res, 200, renderNarInfo(rec, ctx.deps.config.storeDir), 'text/x-nix-narinfo');
  },
});
