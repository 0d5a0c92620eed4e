import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runLarder } from '../helpers/cli.ts';
import { type Fixture, startFixture } from './fixture.ts';

const cookieOf = (r: Response) => (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

describe('dashboard over HTTP', () => {
  let f: Fixture;
  const page = async (cookie = '', path = '/') => {
    const r = await fetch(`${f.s.url}${path}`, { headers: cookie ? { cookie } : {} });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    return r.text();
  };
  const signIn = async (url: string) => {
    const r = await fetch(url, { redirect: 'manual' });
    assert.equal(r.status, 303);
    return r;
  };
  const postForm = (path: string, form: Record<string, string>, headers = {}) =>
    fetch(`${f.s.url}${path}`, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers,
      redirect: 'manual',
    });

  before(async () => {
    f = await startFixture();
  });
  after(async () => {
    await f.s.close();
    assert.deepEqual(f.s.errors, []);
  });

  it('shows public caches to anyone, with a sign-in form and no scripts allowed', async () => {
    const r = await fetch(`${f.s.url}/`);
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await r.text();
    assert.match(html, /data-cache="community"/);
    assert.match(html, /hello-2\.12/);
    assert.doesNotMatch(html, /data-cache="main"/);
    assert.doesNotMatch(html, /python3|nodejs/, 'nothing of the private cache leaks');
    assert.match(html, /<form method="post" action="\/login">/);
  });

  it('signs in once with a one-time link; the session shows the private cache', async () => {
    const url = await f.link();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/login\?code=[A-Za-z0-9_-]{32}$/);
    const first = await signIn(url);
    assert.equal(first.headers.get('location'), '/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^larder_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\//);
    assert.match(setCookie, /Max-Age=43200/);
    const html = await page(cookieOf(first));
    assert.match(html, /data-cache="main"/);
    assert.match(html, /data-cache="community"/);
    assert.match(html, /python3-3\.12\.4/);
    assert.match(html, /of 781\.3 KiB quota/);
    const again = await signIn(url);
    assert.equal(again.headers.get('location'), '/?signin=link', 'a link works once');
    assert.equal(again.headers.get('set-cookie'), null);
  });

  it('answers a bad code with a clear page, signed out', async () => {
    const r = await fetch(`${f.s.url}/login?code=not-a-real-code`);
    assert.equal(r.status, 200);
    assert.equal(new URL(r.url).search, '?signin=link');
    const html = await r.text();
    assert.match(
      html,
      /role="alert">That sign-in link is not valid: a link works once, for 5 minutes/,
    );
    assert.doesNotMatch(html, /data-cache="main"/);
    assert.match(await page('', '/login'), /sign-in link is not valid/, 'no code at all');
    assert.doesNotMatch(await page('larder_session=forged'), /data-cache="main"/);
    for (const odd of ['__proto__', 'toString', 'nonsense'])
      assert.doesNotMatch(await page('', `/?signin=${odd}`), /role="alert"/, odd);
  });

  it('shows only what the signing token may pull, and forgets a revoked token', async () => {
    const made = await f.api('POST', '/_api/v1/tokens', {
      grants: [{ cache: 'community', scopes: ['pull'] }],
    });
    const { token, id } = (await made.json()) as { token: string; id: string };
    const cookie = cookieOf(await signIn(await f.link(token)));
    assert.doesNotMatch(await page(cookie), /data-cache="main"/, 'community-only token');

    const adminMade = await f.api('POST', '/_api/v1/tokens', {
      grants: [{ cache: 'main', scopes: ['pull'] }],
    });
    const reader = (await adminMade.json()) as { token: string; id: string };
    const readerCookie = cookieOf(await signIn(await f.link(reader.token)));
    assert.match(await page(readerCookie), /data-cache="main"/);
    assert.equal((await f.api('DELETE', `/_api/v1/tokens/${reader.id}`)).status, 200);
    const after = await page(readerCookie);
    assert.doesNotMatch(after, /data-cache="main"/, 'revoking the token ends its sessions');
    assert.match(after, /action="\/login"/);
    assert.equal((await f.api('DELETE', `/_api/v1/tokens/${id}`)).status, 200);
  });

  it('signs in with a pasted token, not a wrong or cross-site one, and signs out', async () => {
    const wrong = await postForm('/login', { token: 'larder_nope' });
    assert.equal(wrong.headers.get('location'), '/?signin=token');
    assert.equal(wrong.headers.get('set-cookie'), null);
    const forged = await postForm(
      '/login',
      { token: f.s.adminToken },
      { 'sec-fetch-site': 'cross-site' },
    );
    assert.equal(forged.headers.get('location'), '/?signin=cross-site');
    assert.equal(forged.headers.get('set-cookie'), null);

    const ok = await postForm(
      '/login',
      { token: f.s.adminToken },
      { 'sec-fetch-site': 'same-origin' },
    );
    assert.equal(ok.headers.get('location'), '/');
    const cookie = cookieOf(ok);
    assert.match(await page(cookie), /data-cache="main"/);
    const out = await fetch(`${f.s.url}/logout`, {
      method: 'POST',
      headers: { cookie },
      redirect: 'manual',
    });
    assert.equal(out.headers.get('location'), '/?signin=out');
    assert.match(out.headers.get('set-cookie') ?? '', /^larder_session=; .*Max-Age=0/);
    assert.doesNotMatch(await page(cookie), /data-cache="main"/, 'the session is gone');
  });

  it('larder dashboard prints a link that signs in', async () => {
    const run = await runLarder(['dashboard'], {
      PATH: process.env.PATH,
      LARDER_SERVER: f.s.url,
      LARDER_TOKEN: f.s.adminToken,
      HOME: '/nonexistent',
    });
    assert.equal(run.code, 0, run.err);
    const url = /^(http\S+)$/m.exec(run.out)?.[1];
    assert.ok(url, run.out);
    assert.match(run.out, /valid once, for 5 minutes/);
    assert.match(await page(cookieOf(await signIn(url))), /data-cache="main"/);
  });
});
