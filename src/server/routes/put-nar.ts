import { ingestNar, narUrl } from '../../cache/index.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** Upload a NAR file; stored only after its name, hash and NAR structure check out. */
export default defineRoute({
  methods: ['PUT'],
  pattern: route(`/${CACHE}/nar/(?<file>[^/]+)`),
  access: { kind: 'cache', scope: 'push' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const declared = ctx.req.headers['content-length'];
    const { nar, stored } = await ingestNar(ctx.deps, {
      cache: cache.name,
      fileName: ctx.params.file as string,
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
      narHash: `sha256:${nar.narHash}`,
      narSize: nar.narSize,
      deduplicated: !stored,
    });
  },
});
