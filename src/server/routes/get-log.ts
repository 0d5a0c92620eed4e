import { pipeline } from 'node:stream/promises';
import { notFound } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { BASE_NAME, CACHE, route } from './patterns.ts';

/** A build log, for `nix log --store` / `nix-store -l` against the cache. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/log/${BASE_NAME}`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const rec = await ctx.deps.index.getLog(cache.name, ctx.params.name as string);
    const blob = rec && (await ctx.deps.storage.get(rec.key, { signal: ctx.signal }));
    if (!rec || !blob) throw notFound(`no build log for ${ctx.params.name} in cache ${cache.name}`);
    const headers: Record<string, string | number> = {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': blob.size,
    };
    if (rec.encoding) headers['content-encoding'] = rec.encoding;
    ctx.res.writeHead(200, headers);
    if (ctx.req.method === 'HEAD') {
      blob.stream.destroy();
      ctx.res.end();
      return;
    }
    await pipeline(blob.stream, ctx.res, { signal: ctx.signal });
  },
});
