import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authed } from '../helpers/server.ts';
import { type Fixture, startFixture } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';

/** Skips without Debian's chromium, unless LARDER_REQUIRE_BROWSER=1 says CI must have it. */
function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.LARDER_REQUIRE_BROWSER === '1')
    throw new Error(
      `LARDER_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install chromium)`,
    );
  return `${CHROMIUM} is missing (apt-get install chromium); set LARDER_REQUIRE_BROWSER=1 to fail instead`;
}

/** Traffic for the hours before this test started, which no request can produce now. */
async function seedHistory(f: Fixture): Promise<void> {
  const hour = Math.floor(Date.now() / 3_600_000);
  for (let h = 1; h < 24; h++) {
    if (h % 7 === 3) continue; // a few quiet hours
    const requests = 20 + ((h * 37) % 60);
    const misses = Math.round(requests * (h % 5 === 0 ? 0.4 : 0.05 + (h % 3) * 0.04));
    await f.s.app.deps.index.recordTraffic('main', (hour - h) * 60 + 7, {
      hits: requests - misses,
      misses,
      bytesOut: (requests - misses) * 90_000,
    });
  }
  // And this hour through the real serving path: hits, a miss and a NAR download.
  for (const name of ['python3-3.12.4', 'gcc-13.3.0', 'rustc-1.80.0', 'nodejs-22.4.1']) {
    const u = f.uploads[name];
    assert.ok(u);
    const r = await fetch(`${f.s.url}/main/${u.hashPart}.narinfo`, authed(f.s.adminToken));
    assert.equal(r.status, 200);
    await r.text();
  }
  const nar = await fetch(
    `${f.s.url}/main/nar/${f.uploads['gcc-13.3.0']?.fileName}`,
    authed(f.s.adminToken),
  );
  await nar.arrayBuffer();
  const miss = await fetch(`${f.s.url}/main/${'0'.repeat(32)}.narinfo`, authed(f.s.adminToken));
  assert.equal(miss.status, 404);
  await miss.text();
}

describe('dashboard in Chromium', { skip: browserSkip() }, () => {
  let f: Fixture;
  let profile: string;
  const shots = process.env.LARDER_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'larder-shots-'));

  before(async () => {
    f = await startFixture();
    await seedHistory(f);
    profile = mkdtempSync(join(tmpdir(), 'larder-chromium-'));
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await f.s.close();
    rmSync(profile, { recursive: true, force: true });
    assert.deepEqual(f.s.errors, []);
  });

  it('reads at a glance, signs in with a link or a token, and signs out', async () => {
    const { chromium } = await import('playwright-core');
    // playwright-core never downloads a browser: it drives Debian's, with a fresh profile.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
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
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(f.s.url);
      await page.locator('[data-cache="community"]').waitFor();
      assert.equal(await page.locator('[data-cache="main"]').count(), 0, 'private before sign-in');
      await page.screenshot({ path: join(shots, 'dashboard-anonymous.png'), fullPage: true });

      await page.goto(`${f.s.url}/login?code=expired-or-made-up`);
      assert.match(await page.locator('[role="alert"]').innerText(), /sign-in link is not valid/);

      await page.goto(await f.link());
      const main = page.locator('[data-cache="main"]');
      await main.waitFor();
      assert.equal(new URL(page.url()).pathname, '/');
      const text = await main.innerText();
      assert.match(text, /tier 1 \d+(\.\d+)? KiB/);
      assert.match(text, /tier 2 \d+(\.\d+)? KiB/);
      assert.match(text, /tier 3 \d+(\.\d+)? KiB/);
      assert.match(text, /of 781\.3 KiB quota/);
      assert.match(text, /\d+% hit rate/);
      const next = await main.locator('section', { hasText: 'Next to be evicted' }).innerText();
      assert.match(next, /shellcheck-0\.10\.0/, 'tier 3 goes first');
      assert.doesNotMatch(next, /python3|gcc/, 'tier 1 is never next to go');
      const evicted = await main.locator('section', { hasText: 'Recent evictions' }).innerText();
      assert.match(evicted, /jq-1\.7\.1/);
      assert.equal(await main.locator('.bar .seg.t1').count(), 1);
      await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });
      await page.setViewportSize({ width: 420, height: 900 });
      await page.screenshot({ path: join(shots, 'dashboard-narrow.png'), fullPage: true });
      await page.setViewportSize({ width: 1200, height: 900 });

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.locator('[role="alert"]', { hasText: 'Signed out.' }).waitFor();
      assert.equal(await page.locator('[data-cache="main"]').count(), 0, 'signed out');

      await page.locator('input[name="token"]').fill(f.s.adminToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-cache="main"]').waitFor();
    } finally {
      await context.close();
    }
  });
});
