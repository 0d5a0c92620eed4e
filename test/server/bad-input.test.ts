import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { fakeStorePath, makeUpload, type Upload } from '../helpers/upload.ts';

/** Sends a raw request line so that no client library normalises the path first. */
function rawGet(url: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      { host: u.hostname, port: u.port, path, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('bad input gets a clear 4xx and changes nothing', () => {
  let s: TestServer;
  const putNar = (u: Upload, body: Buffer = u.file, name = u.fileName) =>
    fetch(`${s.url}/main/nar/${name}`, authed(s.adminToken, { method: 'PUT', body }));
  const putInfo = (hash: string, text: string) =>
    fetch(`${s.url}/main/${hash}.narinfo`, authed(s.adminToken, { method: 'PUT', body: text }));
  const getInfo = (hash: string) => fetch(`${s.url}/main/${hash}.narinfo`, authed(s.adminToken));
  const expect4xx = async (res: Response, status: number, field?: RegExp) => {
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(res.status, status, body.message);
    if (field) assert.match(body.message, field);
  };

  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('refuses path traversal in every spelling', async () => {
    for (const p of [
      '/main/../admin.token',
      '/main/%2e%2e/admin.token',
      '/main/nar/..%2fadmin.token',
      '/main/nar/%2e%2e%2f%2e%2e%2fadmin.token',
      '/main/./nix-cache-info',
      '/main//nix-cache-info',
      '/main/nar/..\\x',
    ]) {
      const status = await rawGet(s.url, p, s.adminToken);
      assert.ok(status === 400 || status === 404, `${p} -> ${status}`);
    }
    const put = await fetch(
      `${s.url}/main/nar/%2e%2e%2fx.nar`,
      authed(s.adminToken, { method: 'PUT', body: 'x' }),
    );
    assert.equal(put.status, 400);
  });

  it('rejects a NAR whose bytes do not hash to its name, and keeps nothing', async () => {
    const u = await makeUpload('liar');
    const other = await makeUpload('other');
    await expect4xx(await putNar(u, other.file), 400, /FileHash/);
    const head = await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'HEAD' }),
    );
    assert.equal(head.status, 404);
    // Uncompressed, where the server reuses the NAR hash as the file hash.
    const plain = await makeUpload('liar-plain', 'a', 'none');
    const plainOther = await makeUpload('other-plain', 'b', 'none');
    await expect4xx(await putNar(plain, plainOther.file), 400, /FileHash/);
  });

  it('rejects a file named by its hash that is not a valid NAR', async () => {
    const { createHash } = await import('node:crypto');
    const { encodeBase32 } = await import('../../src/nix/index.ts');
    const junk = Buffer.from('this is not a nar archive at all, just text');
    const name = `${encodeBase32(createHash('sha256').update(junk).digest())}.nar`;
    await expect4xx(await putNar({ fileName: name } as Upload, junk, name), 400, /NAR/);
  });

  it('rejects a bad NAR file name', async () => {
    const u = await makeUpload('badname');
    await expect4xx(await putNar(u, u.file, 'abc.nar.zst'), 400, /URL/);
    await expect4xx(await putNar(u, u.file, `${u.fileHash}.nar.rar`), 400, /URL/);
  });

  it('rejects narinfos that lie, naming the field, and stores none of them', async () => {
    const u = await makeUpload('checked');
    assert.equal((await putNar(u)).status, 201);
    const bogus = fakeStorePath('bogus');
    const cases: [string, string, RegExp][] = [
      ['garbage', 'this is not a narinfo\n\0\0', /./],
      ['NarHash', u.narinfo({ NarHash: `sha256:${u.fileHash}` }), /NarHash/],
      ['NarSize', u.narinfo({ NarSize: String(u.nar.length + 1) }), /NarSize/],
      ['FileHash', u.narinfo({ FileHash: `sha256:${u.narHash}` }), /FileHash/],
      ['FileSize', u.narinfo({ FileSize: '1' }), /FileSize/],
      ['Compression', u.narinfo({ Compression: 'xz' }), /Compression/],
      ['StorePath', u.narinfo({ StorePath: bogus.path }), /StorePath/],
      ['bad StorePath', u.narinfo({ StorePath: '/nix/store/abc-short' }), /StorePath/],
      ['other store', u.narinfo({ StorePath: `/gnu/store/${u.baseName}` }), /StorePath/],
      ['URL', u.narinfo({ URL: `nar/${u.narHash}.nar.zst` }), /URL/],
      ['bad reference', u.narinfo({ References: 'not-a-store-path' }), /References/],
      ['dot reference', u.narinfo({ References: `${bogus.hashPart}-..` }), /References/],
      ['missing reference', u.narinfo({ References: bogus.baseName }), /References/],
      ['no NarHash', u.narinfo({ NarHash: undefined }), /NarHash/],
    ];
    for (const [what, text, field] of cases) {
      const res = await putInfo(u.hashPart, text);
      assert.equal(res.status, 400, `${what}: ${res.status}`);
      assert.match(((await res.json()) as { message: string }).message, field, what);
      assert.equal((await getInfo(u.hashPart)).status, 404, `${what} left a narinfo`);
    }
    // A narinfo can also only describe the path its URL names.
    const res = await putInfo(bogus.hashPart, u.narinfo());
    await expect4xx(res, 400, /StorePath/);
    // The honest narinfo still goes in afterwards.
    assert.equal((await putInfo(u.hashPart, u.narinfo())).status, 201);
  });

  it('rejects a narinfo whose NAR was never uploaded', async () => {
    const u = await makeUpload('never');
    await expect4xx(await putInfo(u.hashPart, u.narinfo()), 400, /URL: .*never uploaded/);
  });

  it('rejects oversized narinfos and headers', async () => {
    const u = await makeUpload('big');
    const huge = u.narinfo({ Deriver: `${'a'.repeat(32)}-${'x'.repeat(70_000)}.drv` });
    assert.equal((await putInfo(u.hashPart, huge)).status, 413);
    const status = await new Promise<number>((resolve) => {
      const url = new URL(s.url);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: '/main/nix-cache-info',
          headers: { 'x-big': 'y'.repeat(40_000) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => resolve(-1));
      req.end();
    });
    assert.ok(status === 431 || status === -1, `oversized headers -> ${status}`);
  });

  it('keeps nothing of an upload whose client disconnects mid-body, and still takes a valid one', async () => {
    const u = await makeUpload('cut', Buffer.alloc(4 << 20, 1), 'none');
    await new Promise<void>((resolve) => {
      const url = new URL(s.url);
      const req = request({
        host: url.hostname,
        port: url.port,
        method: 'PUT',
        path: `/main/nar/${u.fileName}`,
        headers: { authorization: `Bearer ${s.adminToken}`, 'content-length': u.file.length },
      });
      req.on('error', () => resolve());
      req.write(u.file.subarray(0, 1 << 20), () => {
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 100);
      });
    });
    // Wait until the server has noticed and cleaned up.
    const tmp = join(s.dataDir, 'store', 'tmp');
    for (let i = 0; i < 50 && readdirSync(tmp).length > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(readdirSync(tmp), []);
    assert.equal(
      (await fetch(`${s.url}/main/nar/${u.fileName}`, authed(s.adminToken, { method: 'HEAD' })))
        .status,
      404,
    );
    assert.equal((await putNar(u)).status, 201);
    assert.equal((await putInfo(u.hashPart, u.narinfo())).status, 201);
  });

  it('refuses to change a narinfo once stored', async () => {
    const a = await makeUpload('fixed');
    const b = await makeUpload('fixed', 'different');
    assert.equal((await putNar(a)).status, 201);
    assert.equal((await putNar(b)).status, 201);
    assert.equal((await putInfo(a.hashPart, a.narinfo())).status, 201);
    assert.equal((await putInfo(a.hashPart, a.narinfo())).status, 200);
    const changed = b.narinfo({ StorePath: a.storePath });
    await expect4xx(await putInfo(a.hashPart, changed), 409, /already in cache/);
  });
});
