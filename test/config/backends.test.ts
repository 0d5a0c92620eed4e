import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'larder-cfg-backends-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const f = join(dir, `larder-${n++}.toml`);
  writeFileSync(f, text);
  return f;
};

describe('S3 and PostgreSQL configuration', () => {
  it('reads [s3] and [postgres] from TOML, the environment winning', () => {
    const f = file(
      [
        'storage = "s3"',
        'database = "postgres"',
        '[s3]',
        'bucket = "nix"',
        'endpoint = "http://minio:9000/"',
        'prefix = "/team-a/"',
        'force_path_style = true',
        '[postgres]',
        'url = "postgres://larder@db/larder"',
      ].join('\n'),
    );
    const c = loadConfig({ file: f, env: { LARDER_S3_REGION: 'eu-west-1' } });
    assert.equal(c.storage, 's3');
    assert.equal(c.database, 'postgres');
    assert.deepEqual(c.s3, {
      bucket: 'nix',
      region: 'eu-west-1',
      endpoint: 'http://minio:9000',
      prefix: 'team-a',
      forcePathStyle: true,
      accessKeyId: undefined,
      secretAccessKey: undefined,
    });
    assert.deepEqual(c.postgres, { url: 'postgres://larder@db/larder', poolSize: 10 });
  });

  it('takes everything from LARDER_* variables alone', () => {
    const c = loadConfig({
      env: {
        LARDER_STORAGE: 's3',
        LARDER_DATABASE: 'postgres',
        LARDER_S3_BUCKET: 'b',
        LARDER_S3_ACCESS_KEY_ID: 'id',
        LARDER_S3_SECRET_ACCESS_KEY: 'secret',
        LARDER_S3_FORCE_PATH_STYLE: 'true',
        LARDER_POSTGRES_URL: 'postgres://x@y/z',
        LARDER_POSTGRES_POOL_SIZE: '3',
      },
    });
    assert.equal(c.s3?.accessKeyId, 'id');
    assert.equal(c.s3?.forcePathStyle, true);
    assert.equal(c.postgres?.poolSize, 3);
  });

  it('names the missing key and its variable when a backend is chosen without it', () => {
    assert.throws(
      () => loadConfig({ env: { LARDER_STORAGE: 's3' } }),
      (err: Error) =>
        err instanceof ConfigError && /s3\.bucket \(or LARDER_S3_BUCKET\)/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ env: { LARDER_DATABASE: 'postgres' } }),
      /postgres\.url \(or LARDER_POSTGRES_URL\)/,
    );
  });

  it('refuses unknown keys in [s3] and [postgres] by name, and unknown backends', () => {
    assert.throws(
      () => loadConfig({ file: file('[s3]\nbuket = "x"\n'), env: {} }),
      /unknown configuration key "s3\.buket"/,
    );
    assert.throws(
      () => loadConfig({ file: file('[postgres]\nhost = "db"\n'), env: {} }),
      /unknown configuration key "postgres\.host"/,
    );
    assert.throws(() => loadConfig({ env: { LARDER_STORAGE: 'gcs' } }), /"fs", "s3"/);
  });

  it('leaves the backend sections out when fs and SQLite are used', () => {
    const c = loadConfig({ file: file('[s3]\nbucket = "unused"\n'), env: {} });
    assert.equal(c.s3, undefined);
    assert.equal(c.postgres, undefined);
  });
});
