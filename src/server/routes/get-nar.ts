import { pipeline } from 'node:stream/promises';
import { parseNarFileName } from '../../cache/index.ts';
import { notFound, rangeNotSatisfiable } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { parseRange } from '../range.ts';
import { CACHE, route } from './patterns.ts';

/**
 * A NAR file, streamed from storage. Served with `Accept-Ranges` and without
 * `Content-Encoding`, the two conditions under which Nix resumes a broken download.
 */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/nar/(?<file>[0-9a-z]{52}\\.nar(?:\\.[a-z0-9]+)?)`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const file = parseNarFileName(ctx.params.file as string);
    const nar = file && (await ctx.deps.index.getCacheNar(cache.name, file.fileHash));
    if (!nar || nar.compression !== file.compression) {
      throw notFound(`nar/${ctx.params.file} is not in cache ${cache.name}`);
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/x-nix-nar',
      'accept-ranges': 'bytes',
      // The name is the content's hash: the bytes behind this URL can never change.
      'cache-control': `${cache.public ? 'public' : 'private'}, max-age=31536000, immutable`,
    };
    const range = parseRange(ctx.req.headers.range, nar.fileSize);
    if (range === 'unsatisfiable') throw rangeNotSatisfiable(nar.fileSize);
    if (ctx.req.method === 'HEAD') {
      ctx.res.writeHead(200, { ...headers, 'content-length': nar.fileSize });
      ctx.res.end();
      return;
    }
    const blob = await ctx.deps.storage.get(nar.key, {
      signal: ctx.signal,
      start: range?.start,
      end: range?.end,
    });
    if (!blob) throw notFound(`nar/${ctx.params.file} is missing from storage`);
    if (range) {
      ctx.res.writeHead(206, {
        ...headers,
        'content-length': range.end - range.start + 1,
        'content-range': `bytes ${range.start}-${range.end}/${blob.size}`,
      });
    } else {
      ctx.res.writeHead(200, { ...headers, 'content-length': blob.size });
    }
    const sent = range ? range.end - range.start + 1 : blob.size;
    ctx.res.once('finish', () => {
      ctx.deps.metrics.inc(
        'larder_nar_bytes_served_total',
        'NAR bytes sent to clients.',
        { cache: cache.name },
        sent,
      );
      ctx.deps.usage.nar(cache.name, nar.fileHash, sent);
    });
    await pipeline(blob.stream, ctx.res, { signal: ctx.signal });
  },
});
