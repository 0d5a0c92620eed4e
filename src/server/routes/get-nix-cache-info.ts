import type { CacheRecord } from '../../index/index.ts';
import { cacheOf, type Deps, defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

const CACHE_INFO = 'text/x-nix-cache-info';

/** nix-cache-info: the store dir, that mass queries are welcome, and the cache's priority. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/nix-cache-info`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    sendText(ctx.res, 200, body(ctx.deps, cacheOf(ctx)), CACHE_INFO);
  },
  async fast(ctx) {
    return { status: 200, contentType: CACHE_INFO, body: body(ctx.deps, ctx.cache as CacheRecord) };
  },
});

const body = (deps: Deps, cache: CacheRecord): Buffer =>
  Buffer.from(`StoreDir: ${deps.config.storeDir}\nWantMassQuery: 1\nPriority: ${cache.priority}\n`);
