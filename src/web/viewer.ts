import { tokenProblem } from '../auth/index.ts';
import type { Grant, MetadataIndex, TokenRecord } from '../index/index.ts';
import { sessionCookie } from './cookie.ts';
import type { Sessions } from './sessions.ts';

/**
 * What the person looking at the dashboard may pull: the grants of the token behind their
 * session cookie (read afresh, so a revoked or expired token signs its sessions out), else
 * of a token sent with the request; undefined when anonymous.
 */
export async function viewerGrants(
  deps: { index: MetadataIndex; sessions: Sessions },
  cookie: string | undefined,
  token: TokenRecord | undefined,
  now: number,
): Promise<Grant[] | undefined> {
  const id = deps.sessions.tokenOf(sessionCookie(cookie), now);
  const rec = id ? await deps.index.getToken(id) : undefined;
  if (rec && !tokenProblem(rec, now)) return rec.grants;
  return token?.grants;
}
