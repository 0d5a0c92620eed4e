import { cacheOf, defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';
import { CACHE, route } from './patterns.ts';

/** nix-cache-info: the store dir, that mass queries are welcome, and the cache's priority. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: route(`/${CACHE}/nix-cache-info`),
  access: { kind: 'cache', scope: 'pull' },
  async handle(ctx) {
    const cache = cacheOf(ctx);
    const body = `StoreDir: ${ctx.deps.config.storeDir}\nWantMassQuery: 1\nPriority: ${cache.priority}\n`;
    sendText(ctx.res, 200, body, 'text/x-nix-cache-info');
  },
});
