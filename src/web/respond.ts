import type { IncomingMessage, ServerResponse } from 'node:http';
import { setSessionCookie } from './cookie.ts';

const NOTICES: Record<string, string> = {
  link: 'That sign-in link is not valid: a link works once, for 5 minutes. Run `larder dashboard` for a new one.',
  token: 'That token is not valid (unknown, revoked or expired).',
  'cross-site': 'Sign-in forms are accepted only from this dashboard.',
  out: 'Signed out.',
};

/** The notice `/` shows for its `signin` query parameter; own keys only (`?signin=__proto__`). */
export const noticeFor = (key: string | null): string | undefined =>
  key !== null && Object.hasOwn(NOTICES, key) ? NOTICES[key] : undefined;

/** Headers for the HTML page: no scripts, no framing, nothing loaded from elsewhere. */
export const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * Whether a form post came from a page of this server. Browsers send Sec-Fetch-Site; a
 * request without it (curl, an old browser) is let through, as it carries no cookie risk.
 */
export const fromThisSite = (req: IncomingMessage): boolean => {
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
};

/**
 * Back to `/`, with a new session cookie, a cleared one (`null`), or a notice
 * (`/?signin=<notice>`) and the cookie left as it was. 303, so a form post becomes a GET
 * and a reload does not post again.
 */
export function redirectHome(
  res: ServerResponse,
  outcome: { session: string | null; notice?: string } | { notice: string },
  secure: boolean,
): void {
  const headers: Record<string, string> = {
    location: outcome.notice ? `/?signin=${outcome.notice}` : '/',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'content-length': '0',
  };
  if ('session' in outcome)
    headers['set-cookie'] = setSessionCookie(outcome.session ?? undefined, secure);
  res.writeHead(303, headers);
  res.end();
}
