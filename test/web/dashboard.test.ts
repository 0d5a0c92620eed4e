import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

const CHROMIUM = '/usr/bin/chromium';

function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.LARDER_REQUIRE_BROWSER === '1')
    throw new Error(`LARDER_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
  return 'chromium is not installed';
}

describe('dashboard', () => {
  let s: TestServer;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(
      `${s.url}${path}`,
      authed(s.adminToken, { method, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
  const push = async (cache: string, u: Upload, headers: Record<string, string> = {}) => {
    await fetch(
      `${s.url}/${cache}/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'PUT', body: u.file }),
    );
    const r = await fetch(
      `${s.url}/${cache}/${u.hashPart}.narinfo`,
      authed(s.adminToken, { method: 'PUT', body: u.narinfo(), headers }),
    );
    assert.equal(r.status, 201);
  };
  const link = async () =>
    ((await (await api('POST', '/_api/v1/dashboard/link')).json()) as { url: string }).url;

  before(async () => {
    s = await startServer({ LARDER_UPLOAD_GRACE: '0s' });
    assert.equal(
      (await api('POST', '/_api/v1/caches', { name: 'community', public: true })).status,
      201,
    );
    await push('community', await makeUpload('hello-2.12', randomBytes(20_000), 'none'));
    assert.equal((await api('PATCH', '/_api/v1/caches/main', { quota: 400_000 })).status, 200);
    await push('main', await makeUpload('python3-3.12.4', randomBytes(120_000), 'none'), {
      'x-larder-tier': '1',
      'x-larder-build-seconds': '5100',
    });
    await push('main', await makeUpload('rustc-1.80.0', randomBytes(90_000), 'none'), {
      'x-larder-build-seconds': '2400',
    });
    await push('main', await makeUpload('ripgrep-14.1.0', randomBytes(60_000), 'none'), {
      'x-larder-build-seconds': '45',
    });
    await push('main', await makeUpload('jq-1.7.1', randomBytes(30_000), 'none'), {
      'x-larder-tier': '3',
    });
    await push('main', await makeUpload('k9s-0.32.5', randomBytes(140_000), 'none'), {
      'x-larder-build-seconds': '90',
    });
    const hello = await makeUpload('absent', 'x');
    for (let i = 0; i < 3; i++) await fetch(`${s.url}/community/${hello.hashPart}.narinfo`);
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('shows public caches to anyone and private ones only after signing in', async () => {
    const anon = await (await fetch(`${s.url}/`)).text();
    assert.match(anon, /data-cache="community"/);
    assert.doesNotMatch(anon, /data-cache="main"/);
    const url = await link();
    const first = await fetch(url, { redirect: 'manual' });
    assert.equal(first.status, 303);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] as string;
    assert.match(cookie, /^larder_session=/);
    assert.match(first.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/);
    const signedIn = await (await fetch(`${s.url}/`, { headers: { cookie } })).text();
    assert.match(signedIn, /data-cache="main"/);
    assert.match(signedIn, /python3-3\.12\.4/);
    const again = await fetch(url, { redirect: 'manual' });
    assert.equal(again.headers.get('location'), '/?signin=failed', 'a link works once');
    const bad = await (await fetch(`${s.url}/?signin=failed`)).text();
    assert.match(bad, /not valid/);
  });

  it('signs in with a pasted token, not with a wrong one', async () => {
    const ok = await fetch(`${s.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: s.adminToken }),
      redirect: 'manual',
    });
    assert.match(ok.headers.get('set-cookie') ?? '', /larder_session=/);
    const wrong = await fetch(`${s.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'larder_nope' }),
      redirect: 'manual',
    });
    assert.equal(wrong.headers.get('location'), '/?signin=failed');
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  it('reads at a glance in a real browser', { skip: browserSkip() }, async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'larder-chromium-'));
    // launch() gives Chromium a fresh temporary profile of its own; `profile` holds the screenshot.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(await link());
      const main = page.locator('[data-cache="main"]');
      await main.waitFor();
      const text = await main.innerText();
      assert.match(text, /tier 1 .*KiB/);
      assert.match(text, /quota/);
      assert.match(text, /Next to be evicted/i);
      const next = await main.locator('section', { hasText: 'Next to be evicted' }).innerText();
      assert.match(next, /jq-1\.7\.1|k9s|ripgrep/);
      assert.doesNotMatch(next, /python3/, 'tier 1 is never next to go');
      assert.equal((await page.locator('.bar .t1').count()) >= 1, true);
      const shot = join(process.env.LARDER_SCREENSHOT_DIR ?? profile, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(existsSync(shot));
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
