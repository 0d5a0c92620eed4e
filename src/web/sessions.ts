import { randomBytes } from 'node:crypto';
import type { Grant } from '../index/index.ts';

interface Entry {
  grants: Grant[];
  expires: number;
}

/**
 * Dashboard sign-in: one-time codes (5 minutes, usable once) that become browser sessions
 * (12 hours). Kept in this process's memory: with several workers or replicas, a link is
 * valid on the process that made it, and a restart signs everyone out.
 */
export class Sessions {
  private readonly codes = new Map<string, Entry>();
  private readonly sessions = new Map<string, Entry>();

  /** A one-time sign-in code carrying the grants of the token that asked for it. */
  newCode(grants: Grant[], now: number): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { grants, expires: now + 5 * 60_000 });
    return code;
  }

  /** Trades a code for a session id; undefined when unknown, used or expired. */
  redeem(code: string, now: number): string | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry || entry.expires < now) return undefined;
    return this.open(entry.grants, now);
  }

  /** A session for grants already checked (a pasted token). */
  open(grants: Grant[], now: number): string {
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { grants, expires: now + 12 * 3_600_000 });
    return id;
  }

  grantsOf(id: string | undefined, now: number): Grant[] | undefined {
    const s = id ? this.sessions.get(id) : undefined;
    if (!s || s.expires < now) return undefined;
    return s.grants;
  }
}

/** The session id from a Cookie header. */
export function sessionCookie(header: string | undefined): string | undefined {
  return /(?:^|;\s*)larder_session=([A-Za-z0-9_-]+)/.exec(header ?? '')?.[1];
}
