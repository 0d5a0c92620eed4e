import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'larder-cfg-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const f = join(dir, `larder-${n++}.toml`);
  writeFileSync(f, text);
  return f;
};

describe('configuration', () => {
  it('works with no configuration at all', () => {
    const c = loadConfig({ env: {} });
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7745 });
    assert.match(c.dataDir, /larder-data$/);
    assert.equal(c.storage, 'fs');
    assert.equal(c.database, 'sqlite');
    assert.equal(c.maxNarinfoSize, 64 * 1024);
  });

  it('reads TOML with human units, and the environment wins over the file', () => {
    const f = file(
      'listen = "0.0.0.0:8080"\nmax_nar_size = "2GiB"\n[cache.main]\npublic = true\nquota = "5GiB"\n',
    );
    const c = loadConfig({ file: f, env: { LARDER_LISTEN: '127.0.0.1:9000' } });
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9000 });
    assert.equal(c.maxNarSize, 2 * 1024 ** 3);
    assert.deepEqual(c.caches.main, { public: true, quota: 5 * 1024 ** 3 });
  });

  it('names an unknown key', () => {
    assert.throws(
      () => loadConfig({ file: file('lisen = "x"\n'), env: {} }),
      /unknown configuration key "lisen"/,
    );
    assert.throws(
      () => loadConfig({ file: file('[cache.main]\nquotaa = 1\n'), env: {} }),
      /"cache\.main\.quotaa"/,
    );
  });

  it('names a bad value and where it came from', () => {
    assert.throws(
      () => loadConfig({ env: { LARDER_MAX_NAR_SIZE: 'lots' } }),
      /LARDER_MAX_NAR_SIZE: expected a size/,
    );
    assert.throws(
      () => loadConfig({ file: file('storage = "floppy"\n'), env: {} }),
      /storage: expected one of "fs"/,
    );
    assert.throws(
      () => loadConfig({ env: { LARDER_LISTEN: 'nowhere' } }),
      /listen: expected HOST:PORT/,
    );
  });
  it('reads tier rules and the tier-3 TTL per cache, naming bad keys', () => {
    const f = file(
      '[cache.main]\nquota = "5GiB"\ntier3_ttl = "12h"\n[[cache.main.rule]]\nmatch = "python3-*"\ntier = 1\n[[cache.main.rule]]\nmin_build_seconds = 1800\ntier = 2\n',
    );
    const c = loadConfig({ file: f, env: {} });
    assert.equal(c.retention.main?.tier3TtlMs, 12 * 3_600_000);
    assert.deepEqual(c.retention.main?.rules, [
      { tier: 1, match: 'python3-*', minBuildSeconds: undefined, minSize: undefined },
      { tier: 2, match: undefined, minBuildSeconds: 1800, minSize: undefined },
    ]);
    assert.equal(c.narGraceMs, 600_000);
    assert.throws(
      () => loadConfig({ file: file('[[cache.main.rule]]\nmatches = "x"\ntier = 1\n'), env: {} }),
      /"cache\.main\.rule\[0\]\.matches"/,
    );
    assert.throws(
      () => loadConfig({ file: file('[[cache.main.rule]]\nmatch = "x"\ntier = 4\n'), env: {} }),
      /tier: expected 1, 2 or 3/,
    );
  });
});
