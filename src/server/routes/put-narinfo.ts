import { acceptNarInfo } from '../../cache/index.ts';
import { payloadTooLarge } from '../../util/http-error.ts';
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
    const { created, record } = await acceptNarInfo(
      { index: ctx.deps.index, storeDir: ctx.deps.config.storeDir, now: ctx.deps.now },
      cache,
      ctx.params.hash as string,
      body.toString('utf8'),
    );
    ctx.deps.logger.info(`${created ? 'stored' : 'kept'} ${record.baseName} in ${cache.name}`);
    sendJson(ctx.res, created ? 201 : 200, {
      storePath: `${ctx.deps.config.storeDir}/${record.baseName}`,
      created,
    });
  },
});
