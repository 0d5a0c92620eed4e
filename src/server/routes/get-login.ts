import { redirectHome, sessionCookie } from '../../web/index.ts';
import { baseUrl } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';

/** Opens a one-time link (`larder dashboard`): sets the session cookie and goes to `/`. */
export default defineRoute({
  methods: ['GET'],
  pattern: /^\/login$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const { sessions } = ctx.deps;
    const session = sessions.redeem(ctx.query.get('code') ?? '', ctx.deps.now());
    const secure = baseUrl(ctx).startsWith('https:');
    if (!session) return redirectHome(ctx.res, { notice: 'link' }, secure);
    sessions.end(sessionCookie(ctx.req.headers.cookie));
    redirectHome(ctx.res, { session }, secure);
  },
});
