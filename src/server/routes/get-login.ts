import { defineRoute } from '../context.ts';

/** Opens a one-time link: sets the session cookie and goes to the dashboard. */
export default defineRoute({
  methods: ['GET'],
  pattern: /^\/login$/,
  access: { kind: 'anyone' },
  async handle(ctx) {
    const session = ctx.deps.sessions.redeem(ctx.query.get('code') ?? '', ctx.deps.now());
    signIn(ctx.res, session);
  },
});

/** Redirects to `/` with a session cookie, or with a note that signing in failed. */
export function signIn(res: import('node:http').ServerResponse, session: string | undefined): void {
  const headers: Record<string, string> = {
    location: session ? '/' : '/?signin=failed',
    'content-length': '0',
  };
  if (session)
    headers['set-cookie'] =
      `larder_session=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`;
  res.writeHead(303, headers);
  res.end();
}
