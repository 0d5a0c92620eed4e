import { fromThisSite, redirectHome, sessionCookie } from '../../web/index.ts';
import { baseUrl } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';

/** Signs the browser out (the dashboard's "Sign out" button): ends the session, clears the cookie. */
export default defineRoute({
  methods: ['POST'],
  pattern: /^\/logout$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const secure = baseUrl(ctx).startsWith('https:');
    if (!fromThisSite(ctx.req)) return redirectHome(ctx.res, { notice: 'cross-site' }, secure);
    ctx.deps.sessions.end(sessionCookie(ctx.req.headers.cookie));
    redirectHome(ctx.res, { session: null, notice: 'out' }, secure);
  },
});
