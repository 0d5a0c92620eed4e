import { grantsAllow } from '../../auth/index.ts';
import { cacheStats } from '../../retention/index.ts';
import { renderDashboard, sessionCookie } from '../../web/index.ts';
import { baseUrl } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';
import { sendText } from '../respond.ts';

/** The dashboard: public caches for anyone, private ones for a signed-in session or token. */
export default defineRoute({
  methods: ['GET'],
  pattern: /^\/$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const now = ctx.deps.now();
    const grants =
      ctx.deps.sessions.grantsOf(sessionCookie(ctx.req.headers.cookie), now) ?? ctx.token?.grants;
    await ctx.deps.usage.flush();
    const visible = (await ctx.deps.index.listCaches()).filter(
      (c) => c.public || (grants && grantsAllow(grants, c.name, 'pull')),
    );
    const all = [];
    for (const c of visible)
      all.push({
        stats: await cacheStats(ctx.deps, c),
        public: c.public,
        url: `${baseUrl(ctx)}/${c.name}`,
      });
    const message =
      ctx.query.get('signin') === 'failed'
        ? 'That sign-in link or token is not valid (links work once, for 5 minutes).'
        : undefined;
    sendText(
      ctx.res,
      200,
      renderDashboard(all, { signedIn: grants !== undefined, now, message }),
      'text/html; charset=utf-8',
      {
        'cache-control': 'no-store',
      },
    );
  },
});
