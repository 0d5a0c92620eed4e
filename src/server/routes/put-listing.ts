import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { payloadTooLarge } from '../../util/http-error.ts';
import { byteLimit } from '../../util/limit.ts';
import { defineRoute } from '../context.ts';
import { CACHE, HASH, route } from './patterns.ts';

/**
 * `nix copy` with `write-nar-listing=true` uploads its own listing. The server computes the
 * listing from the NAR itself, so the upload is read and dropped, not trusted.
 */
export default defineRoute({
  methods: ['PUT'],
  pattern: route(`/${CACHE}/${HASH}\\.ls`),
  access: { kind: 'cache', scope: 'push' },
  async handle(ctx) {
    const limit = ctx.deps.config.maxLogSize;
    const discard = new Writable({ write: (_c, _e, cb) => cb() });
    await pipeline(
      ctx.req,
      byteLimit(limit, () => payloadTooLarge(`a listing may have at most ${limit} bytes`)),
      discard,
    );
    ctx.res.writeHead(204);
    ctx.res.end();
  },
});
