import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';
import { mayManage, tokenView } from '../token-view.ts';

/** Tokens the caller may manage (all of them for a server admin). */
export default defineRoute({
  methods: ['GET'],
  pattern: /^\/_api\/v1\/tokens$/,
  access: { kind: 'token' },
  async handle(ctx) {
    const caller = ctx.token?.grants ?? [];
    const now = ctx.deps.now();
    const tokens = (await ctx.deps.index.listTokens()).filter((t) => mayManage(caller, t.grants));
    sendJson(ctx.res, 200, { tokens: tokens.map((t) => tokenView(t, now)) });
  },
});
