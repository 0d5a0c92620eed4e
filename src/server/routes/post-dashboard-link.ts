import { baseUrl } from '../api-helpers.ts';
import { defineRoute } from '../context.ts';
import { sendJson } from '../respond.ts';

/** A one-time dashboard sign-in link for the caller's token (`larder dashboard`). */
export default defineRoute({
  methods: ['POST'],
  pattern: /^\/_api\/v1\/dashboard\/link$/,
  access: { kind: 'token' },
  async handle(ctx) {
    if (!ctx.token) throw new Error('route declared token access');
    const code = ctx.deps.sessions.newCode(ctx.token.id, ctx.deps.now());
    sendJson(ctx.res, 201, { url: `${baseUrl(ctx)}/login?code=${code}`, expiresIn: '5m' });
  },
});
