import { grantsAllow } from '../../auth/index.ts';
import { cacheStats } from '../../retention/index.ts';
import {
  type CacheView,
  noticeFor,
  PAGE_HEADERS,
  renderDashboard,
  viewerGrants,
} from '../../web/index.ts';
import { baseUrl } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';

/** The dashboard: public caches for anyone, private ones for a signed-in session or token. */
export default defineRoute({
  methods: ['GET', 'HEAD'],
  pattern: /^\/$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const now = ctx.deps.now();
    const grants = await viewerGrants(ctx.deps, ctx.req.headers.cookie, ctx.token, now);
    await ctx.deps.usage.flush();
    const visible = (await ctx.deps.index.listCaches()).filter(
      (c) => c.public || (grants && grantsAllow(grants, c.name, 'pull')),
    );
    const caches: CacheView[] = [];
    for (const c of visible)
      caches.push({
        stats: await cacheStats(ctx.deps, c),
        public: c.public,
        url: `${baseUrl(ctx)}/${c.name}`,
      });
    const page = renderDashboard(caches, {
      signedIn: grants !== undefined,
      now,
      message: noticeFor(ctx.query.get('signin')),
    });
    sendText(ctx.res, 200, page, 'text/html; charset=utf-8', PAGE_HEADERS);
  },
});
