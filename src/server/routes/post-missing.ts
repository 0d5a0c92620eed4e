import { parseStorePath } from '../../nix/index.ts';
import { onUpstream } from '../../upstream/index.ts';
import { badRequest } from '../../util/http-error.ts';
import { readJson } from '../api-helpers.ts';
import { cacheOf, defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/**
 * Which of these store paths the cache lacks: one round trip for a whole closure. Those an
 * upstream has are answered apart, under `upstream`.
 */
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
    const lacking = await ctx.deps.index.missingPaths(cache.name, [...byHash.keys()]);
    const ups = ctx.deps.config.upstreams[cache.name];
    if (!ups) return sendJson(ctx.res, 200, { missing: lacking.map((h) => byHash.get(h)) });
    // Paths an upstream has, signed by its key, need no upload (`upstream`). A narinfo is
    // only accepted with its references here: with pull-through the server pulls those
    // itself when a narinfo refers to them; otherwise the client uploads them.
    const upstream = new Set(await onUpstream(ctx.deps, cache, lacking));
    sendJson(ctx.res, 200, {
      missing: lacking.filter((h) => !upstream.has(h)).map((h) => byHash.get(h)),
      upstream: [...upstream].map((h) => byHash.get(h)),
      pullsReferences: ups.pullThrough === true,
    });
  },
});
