import { ingestNar, narUrl } from '../../cache/index.ts';
import { badRequest } from '../../util/http-error.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/**
 * Upload a NAR file without naming it: the server hashes it and answers with the URL,
 * FileHash and FileSize to put in the narinfo. This is how `larder push` streams a NAR it
 * compresses on the fly, where the file's hash is unknown until the last byte.
 */
export default defineRoute({
  methods: ['POST'],
  pattern: route(`/_api/v1/${CACHE}/nar`),
  access: { kind: 'cache', scope: 'push' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const compression = ctx.query.get('compression') ?? 'none';
    if (!/^[a-z0-9]{1,10}$/.test(compression)) throw badRequest('bad compression', 'compression');
    const declared = ctx.req.headers['content-length'];
    const { nar, stored } = await ingestNar(ctx.deps, {
      cache: cache.name,
      compression,
      body: ctx.req,
      declaredSize: declared === undefined ? undefined : Number(declared),
      maxSize: ctx.deps.config.maxNarSize,
      signal: ctx.signal,
    });
    ctx.deps.metrics.inc(
      'larder_nar_bytes_received_total',
      'Verified NAR file bytes received.',
      { cache: cache.name },
      nar.fileSize,
    );
    sendJson(ctx.res, 201, {
      url: narUrl(nar),
      compression: nar.compression,
      fileHash: `sha256:${nar.fileHash}`,
      fileSize: nar.fileSize,
      narHash: `sha256:${nar.narHash}`,
      narSize: nar.narSize,
      deduplicated: !stored,
    });
  },
});
