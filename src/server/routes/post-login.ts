import { hashToken, tokenProblem } from '../../auth/index.ts';
import { payloadTooLarge } from '../../util/http-error.ts';
import { readSmallBody } from '../../util/read-body.ts';
import { defineRoute } from '../context.ts';
import { signIn } from './get-login.ts';

/** Signs in with a pasted token (the dashboard's form), for people without the CLI. */
export default defineRoute({
  methods: ['POST'],
  pattern: /^\/login$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const body = await readSmallBody(ctx.req, 4096, () =>
      payloadTooLarge('a sign-in form has at most 4 KiB'),
    );
    const token = new URLSearchParams(body.toString('utf8')).get('token')?.trim() ?? '';
    const rec = token ? await ctx.deps.index.getTokenByHash(hashToken(token)) : undefined;
    const now = ctx.deps.now();
    signIn(
      ctx.res,
      rec && !tokenProblem(rec, now) ? ctx.deps.sessions.open(rec.grants, now) : undefined,
    );
  },
});
