import { createHash, randomBytes } from 'node:crypto';

const CODE_MS = 5 * 60_000;
const SESSION_MS = 12 * 3_600_000;

interface Entry {
  /** The token that signed in; looked up on every page so a revocation ends its sessions. */
  tokenId: string;
  expires: number;
}

// Keys are sha256 of the secret, as tokens are stored: the maps never hold a usable secret.
const key = (secret: string) => createHash('sha256').update(secret).digest('hex');
const secret = () => randomBytes(24).toString('base64url');

/**
 * Dashboard sign-in: one-time codes (5 minutes, usable once) that become browser sessions
 * (12 hours). Kept in this process's memory: with several workers or replicas, a link is
 * valid on the process that made it, and a restart signs everyone out.
 */
export class Sessions {
  private readonly codes = new Map<string, Entry>();
  private readonly sessions = new Map<string, Entry>();

  /** A one-time sign-in code for the token that asked for it. */
  newCode(tokenId: string, now: number): string {
    prune(this.codes, now);
    const code = secret();
    this.codes.set(key(code), { tokenId, expires: now + CODE_MS });
    return code;
  }

  /** Trades a code for a session id; undefined when unknown, used or expired. */
  redeem(code: string, now: number): string | undefined {
    const k = key(code);
    const entry = this.codes.get(k);
    this.codes.delete(k);
    if (!entry || entry.expires <= now) return undefined;
    return this.open(entry.tokenId, now);
  }

  /** A session for a token already checked (a pasted token). */
  open(tokenId: string, now: number): string {
    prune(this.sessions, now);
    const id = secret();
    this.sessions.set(key(id), { tokenId, expires: now + SESSION_MS });
    return id;
  }

  /** The token behind a live session, or undefined. */
  tokenOf(id: string | undefined, now: number): string | undefined {
    const s = id ? this.sessions.get(key(id)) : undefined;
    return s && s.expires > now ? s.tokenId : undefined;
  }

  /** Signs a session out. */
  end(id: string | undefined): void {
    if (id) this.sessions.delete(key(id));
  }
}

/** Drops expired entries, so codes nobody redeemed do not pile up. */
function prune(map: Map<string, Entry>, now: number): void {
  for (const [k, e] of map) if (e.expires <= now) map.delete(k);
}
