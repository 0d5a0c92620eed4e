import { parseStorePath } from '../../nix/index.ts';
import { badRequest } from '../../util/http-error.ts';
import { readJson } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** Which of these store paths the cache lacks: one round trip for a whole closure. */
export default defineRoute({
  methods: ['POST'],
  pattern: route(`/_api/v1/${CACHE}/missing`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const body = await readJson(ctx);
    if (!Array.isArray(body.paths) || !body.paths.every((p) => typeof p === 'string')) {
      throw badRequest('paths must be a list of store paths', 'paths');
    }
    const byHash = new Map<string, string>();
    for (const p of body.paths as string[]) {
      try {
        byHash.set(parseStorePath(p, ctx.deps.config.storeDir).hashPart, p);
      } catch (err) {
        throw badRequest(`${p}: ${(err as Error).message}`, 'paths');
      }
    }
    const missing = await ctx.deps.index.missingPaths(cache.name, [...byHash.keys()]);
    sendJson(ctx.res, 200, { missing: missing.map((h) => byHash.get(h)) });
  },
});
