import { pipeline } from 'node:stream/promises';
import { payloadTooLarge } from '../../util/http-error.ts';
import { byteLimit } from '../../util/limit.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { BASE_NAME, CACHE, route } from './patterns.ts';

/**
 * A build log (`nix store copy-log --to`). Nix may compress it and say so in
 * Content-Encoding; it is kept as sent and served back with the same encoding.
 */
export default defineRoute({
  methods: ['PUT'],
  pattern: route(`/${CACHE}/log/${BASE_NAME}`),
  access: { kind: 'cache', scope: 'push' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const drv = ctx.params.name as string;
    const key = `log/${cache.name}/${drv}`;
    const limit = ctx.deps.config.maxLogSize;
    const counter = byteLimit(limit, () =>
      payloadTooLarge(`a build log may have at most ${limit} bytes`),
    );
    const writer = await ctx.deps.storage.createWriter(key, { signal: ctx.signal });
    try {
      await pipeline(ctx.req, counter, writer.stream, { signal: ctx.signal });
      await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const encoding = ctx.req.headers['content-encoding'];
    await ctx.deps.index.putLog(cache.name, drv, {
      key,
      encoding: encoding || undefined,
      size: counter.bytes(),
    });
    sendJson(ctx.res, 201, { log: drv });
  },
});
