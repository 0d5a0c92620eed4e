import { hashToken, tokenProblem } from '../../auth/index.ts';
import { payloadTooLarge } from '../../util/http-error.ts';
import { readSmallBody } from '../../util/read-body.ts';
import { fromThisSite, redirectHome, sessionCookie } from '../../web/index.ts';
import { baseUrl } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';

/** Signs in with a pasted token (the dashboard's form), for people without the CLI. */
export default defineRoute({
  methods: ['POST'],
  pattern: /^\/login$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const body = await readSmallBody(ctx.req, 4096, () =>
      payloadTooLarge('a sign-in form has at most 4 KiB'),
    );
    const secure = baseUrl(ctx).startsWith('https:');
    // Another site posting its own token here would sign the victim in as that token.
    if (!fromThisSite(ctx.req)) return redirectHome(ctx.res, { notice: 'cross-site' }, secure);
    const token = new URLSearchParams(body.toString('utf8')).get('token')?.trim() ?? '';
    const rec = token ? await ctx.deps.index.getTokenByHash(hashToken(token)) : undefined;
    const now = ctx.deps.now();
    if (!rec || tokenProblem(rec, now)) return redirectHome(ctx.res, { notice: 'token' }, secure);
    ctx.deps.sessions.end(sessionCookie(ctx.req.headers.cookie));
    redirectHome(ctx.res, { session: ctx.deps.sessions.open(rec.id, now) }, secure);
  },
});
