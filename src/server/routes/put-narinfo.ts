import type { IncomingHttpHeaders } from 'node:http';
import { acceptNarInfo } from '../../cache/index.ts';
import { admit } from '../../retention/index.ts';
import { pullReferences } from '../../upstream/index.ts';
import { badRequest, payloadTooLarge } from '../../util/http-error.ts';
import { readSmallBody } from '../../util/read-body.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, HASH, route } from './patterns.ts';

/** Upload a narinfo (what `nix copy --to` sends after the NAR); checked against that NAR. */
export default defineRoute({
  methods: ['PUT'],
  pattern: route(`/${CACHE}/${HASH}\\.narinfo`),
  access: { kind: 'cache', scope: 'push' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const limit = ctx.deps.config.maxNarinfoSize;
    const body = await readSmallBody(ctx.req, limit, () =>
      payloadTooLarge(`a narinfo may have at most ${limit} bytes`),
    );
    await pullReferences(ctx.deps, cache, body.toString('utf8'));
    const { created, record } = await acceptNarInfo(
      {
        index: ctx.deps.index,
        storeDir: ctx.deps.config.storeDir,
        now: ctx.deps.now,
        admit: (incoming) => admit(ctx.deps, cache, incoming),
      },
      cache,
      ctx.params.hash as string,
      body.toString('utf8'),
      rootHints(ctx.req.headers),
    );
    ctx.deps.logger.info(`${created ? 'stored' : 'kept'} ${record.baseName} in ${cache.name}`);
    sendJson(ctx.res, created ? 201 : 200, {
      storePath: `${ctx.deps.config.storeDir}/${record.baseName}`,
      created,
    });
  },
});

/** `X-Larder-Tier` and `X-Larder-Build-Seconds`, sent by `larder push --tier/--build-seconds`. */
function rootHints(h: IncomingHttpHeaders): { tier?: number; buildSeconds?: number } {
  const hints: { tier?: number; buildSeconds?: number } = {};
  const tier = h['x-larder-tier'];
  if (tier !== undefined) {
    if (!/^[123]$/.test(String(tier))) throw badRequest('must be 1, 2 or 3', 'X-Larder-Tier');
    hints.tier = Number(tier);
  }
  const secs = h['x-larder-build-seconds'];
  if (secs !== undefined) {
    const n = Number(secs);
    if (!Number.isFinite(n) || n < 0)
      throw badRequest('must be a number of seconds', 'X-Larder-Build-Seconds');
    hints.buildSeconds = n;
  }
  return hints;
}
