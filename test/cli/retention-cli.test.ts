import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'larder.js');

describe('larder gc, stats and pin', () => {
  let s: TestServer;
  const larder = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          env: {
            PATH: process.env.PATH,
            LARDER_SERVER: s.url,
            LARDER_TOKEN: s.adminToken,
            HOME: '/nonexistent',
          },
        },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });
  const push = async (u: Upload, headers: Record<string, string> = {}) => {
    await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'PUT', body: u.file }),
    );
    const r = await fetch(
      `${s.url}/main/${u.hashPart}.narinfo`,
      authed(s.adminToken, { method: 'PUT', body: u.narinfo(), headers }),
    );
    assert.equal(r.status, 201);
  };

  before(async () => {
    s = await startServer({ LARDER_UPLOAD_GRACE: '0s' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('shows stats, pins, plans with --dry-run and runs gc', async () => {
    const heavy = await makeUpload('onnxruntime-1.18', randomBytes(60_000), 'none');
    const light = await makeUpload('fd-10', randomBytes(60_000), 'none');
    const other = await makeUpload('k9s-0.32', randomBytes(60_000), 'none');
    await push(heavy, { 'x-larder-build-seconds': '4000' });
    await push(light, { 'x-larder-build-seconds': '20' });
    await push(other, { 'x-larder-build-seconds': '30' });
    const pin = await larder(['pin', 'main', light.storePath, '--tier', '1']);
    assert.equal(pin.code, 0, pin.err);
    assert.equal((await larder(['pin', 'main', light.storePath, '--tier', '5'])).code, 2);
    assert.equal((await larder(['cache', 'config', 'main', '--quota', '130KiB'])).code, 0);

    const stats = JSON.parse((await larder(['stats', 'main', '--json'])).out) as {
      bytesPerTier: Record<string, number>;
      nextToEvict: { path: string }[];
    };
    assert.ok((stats.bytesPerTier['1'] ?? 0) > 60_000);
    assert.equal(stats.nextToEvict[0]?.path, other.baseName);
    assert.match((await larder(['stats', 'main'])).out, /next to be evicted:\n.*\n.*k9s-0\.32/);

    const dry = await larder(['gc', 'main', '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /would evict 1 root/);
    assert.match(dry.out, /k9s-0\.32 .* quota/);
    const run = JSON.parse((await larder(['gc', 'main', '--json'])).out) as {
      evictions: { root: string }[];
    };
    assert.deepEqual(
      run.evictions.map((e) => e.root),
      [other.baseName],
    );
    const status = async (u: Upload) =>
      (await fetch(`${s.url}/main/${u.hashPart}.narinfo`, authed(s.adminToken))).status;
    assert.deepEqual(
      [await status(heavy), await status(light), await status(other)],
      [200, 200, 404],
    );
  });
});
