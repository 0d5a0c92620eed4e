const NAME = 'larder_session';

/** The session id from a Cookie header. */
export function sessionCookie(header: string | undefined): string | undefined {
  return /(?:^|;\s*)larder_session=([A-Za-z0-9_-]+)/.exec(header ?? '')?.[1];
}

/**
 * The Set-Cookie value for a session, or one that clears it. HttpOnly keeps it from page
 * scripts, SameSite=Strict from other sites' requests; Secure only when the server is
 * reached over https, or a plain-http install could never sign in.
 */
export function setSessionCookie(id: string | undefined, secure: boolean): string {
  const flags = `HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
  return id ? `${NAME}=${id}; ${flags}; Max-Age=43200` : `${NAME}=; ${flags}; Max-Age=0`;
}
