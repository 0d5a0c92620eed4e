import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'larder-upcfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const load = (text: string) => {
  const f = join(dir, `larder-${n++}.toml`);
  writeFileSync(f, text);
  return loadConfig({ file: f, env: {} });
};
const KEY = 'cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=';

describe('upstream configuration', () => {
  it('reads [[cache.<name>.upstream]] and pull_through, without touching the cache settings', () => {
    const c = load(
      `[cache.main]\npublic = true\npull_through = "redirect"\n[[cache.main.upstream]]\nurl = "https://cache.nixos.org/"\npublic_key = "${KEY}"\n`,
    );
    assert.deepEqual(c.upstreams.main, {
      upstreams: [{ url: 'https://cache.nixos.org', publicKey: KEY }],
      pullThrough: 'redirect',
    });
    assert.deepEqual(c.caches.main, { public: true });
    const plain = load(`[[cache.x.upstream]]\nurl = "http://u"\npublic_key = "${KEY}"\n`);
    assert.equal(plain.upstreams.x?.pullThrough, false);
    assert.equal(load('[cache.y]\npublic = true\n').upstreams.y, undefined);
  });

  it('refuses unknown keys, missing keys, bad URLs, bad keys and bad pull_through by name', () => {
    const up = (body: string) => `[[cache.main.upstream]]\n${body}`;
    const cases: [string, RegExp][] = [
      [
        up(`url = "https://u"\npublic_key = "${KEY}"\npriority = 1\n`),
        /"cache\.main\.upstream\[0\]\.priority"/,
      ],
      [up(`url = "https://u"\n`), /cache\.main\.upstream\[0\]\.public_key is required/],
      [
        up(`url = "ftp://u"\npublic_key = "${KEY}"\n`),
        /upstream\[0\]\.url: expected an http\(s\) URL/,
      ],
      [up(`url = "https://u"\npublic_key = "nope"\n`), /upstream\[0\]\.public_key/],
      [
        `[cache.main]\npull_through = "yes"\n${up(`url = "https://u"\npublic_key = "${KEY}"\n`)}`,
        /pull_through: expected true, false or "redirect"/,
      ],
      ['[cache.main]\npull_through = true\n', /pull_through needs \[\[cache\.main\.upstream\]\]/],
      [
        '[cache.main]\nupstream = "https://u"\n',
        /cache\.main\.upstream: expected \[\[cache\.main\.upstream\]\] tables/,
      ],
    ];
    for (const [text, error] of cases) assert.throws(() => load(text), error, text);
  });
});
