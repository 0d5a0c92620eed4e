import { pipeline } from 'node:stream/promises';
import { listingKey } from '../../cache/index.ts';
import { notFound } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { CACHE, HASH, route } from './patterns.ts';

/** The NAR's file listing (`<hash>.ls`), computed by the server when the NAR was uploaded. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/${HASH}\\.ls`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const rec = await ctx.deps.index.getPath(cache.name, ctx.params.hash as string);
    const blob =
      rec && (await ctx.deps.storage.get(listingKey(rec.nar.fileHash), { signal: ctx.signal }));
    if (!blob) throw notFound(`no listing for ${ctx.params.hash} in cache ${cache.name}`);
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': blob.size });
    if (ctx.req.method === 'HEAD') {
      blob.stream.destroy();
      ctx.res.end();
      return;
    }
    await pipeline(blob.stream, ctx.res, { signal: ctx.signal });
  },
});
