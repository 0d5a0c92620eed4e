import { cacheNameProblem, createCache } from '../../cache/index.ts';
import { badRequest, conflict } from '../../util/http-error.ts';
import { parseSize } from '../../util/units.ts';
import { cacheView, optBool, optInt, readJson } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';

/** Create a cache with its own signing key (server admins only). */
export default defineRoute({
  methods: ['POST'],
  pattern: /^\/_api\/v1\/caches$/,
  access: { kind: 'admin' },
  async handle(ctx) {
    const body = await readJson(ctx);
    const name = body.name;
    if (typeof name !== 'string') throw badRequest('name is required');
    const problem = cacheNameProblem(name);
    if (problem) throw badRequest(problem, 'name');
    const rec = await createCache(
      ctx.deps.index,
      {
        name,
        public: optBool(body, 'public'),
        priority: optInt(body, 'priority'),
        quota: quotaOf(body.quota),
      },
      ctx.deps.now(),
    );
    if (!rec) throw conflict(`a cache named ${name} already exists`);
    ctx.deps.logger.info(`created cache ${name}`);
    sendJson(ctx.res, 201, cacheView(ctx, rec));
  },
});

/** Quota as bytes or a size string ("5GiB"); null clears it. */
export function quotaOf(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return parseSize(v as string | number);
  } catch (err) {
    throw badRequest((err as Error).message, 'quota');
  }
}
