import { parseStorePath } from '../../nix/index.ts';
import { badRequest } from '../../util/http-error.ts';
import { readJson } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/**
 * Liveness: these paths are in use (a build runner skipped building them because the cache
 * had them), so they count as used although nobody downloaded them.
 */
export default defineRoute({
  methods: ['POST'],
  pattern: route(`/_api/v1/${CACHE}/touch`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const body = await readJson(ctx);
    if (!Array.isArray(body.paths))
      throw badRequest('paths must be a list of store paths', 'paths');
    const hashes = (body.paths as unknown[]).map((p) => {
      try {
        return parseStorePath(String(p), ctx.deps.config.storeDir).hashPart;
      } catch (err) {
        throw badRequest(`${String(p)}: ${(err as Error).message}`, 'paths');
      }
    });
    ctx.deps.usage.touch(cache.name, hashes);
    sendJson(ctx.res, 200, { touched: hashes.length });
  },
});
