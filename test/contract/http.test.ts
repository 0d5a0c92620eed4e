import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  fingerprintPath,
  parseNarInfo,
  parsePublicKey,
  verifySignature,
} from '../../src/nix/index.ts';
import { sweepNars } from '../../src/retention/index.ts';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';
import { backends } from './backends.ts';

const KB = 1024;

// One behavioural suite, run unchanged against every storage × database combination.
for (const backend of backends()) {
  describe(`contract: ${backend.name}`, { skip: backend.skip }, () => {
    let s: TestServer;
    const api = (method: string, path: string, body?: unknown, token = s.adminToken) =>
      fetch(
        `${s.url}${path}`,
        authed(token, { method, body: body === undefined ? undefined : JSON.stringify(body) }),
      );
    const putNar = (cache: string, u: Upload) =>
      fetch(
        `${s.url}/${cache}/nar/${u.fileName}`,
        authed(s.adminToken, { method: 'PUT', body: u.file }),
      );
    const push = async (cache: string, u: Upload, refs: Upload[] = [], tier?: number) => {
      assert.equal((await putNar(cache, u)).status, 201);
      return fetch(
        `${s.url}/${cache}/${u.hashPart}.narinfo`,
        authed(s.adminToken, {
          method: 'PUT',
          body: u.narinfo(
            {},
            refs.map((r) => r.baseName),
          ),
          headers: tier ? { 'x-larder-tier': String(tier) } : {},
        }),
      );
    };
    const status = async (path: string, init: RequestInit = {}) =>
      (await fetch(`${s.url}${path}`, authed(s.adminToken, init))).status;

    before(async () => {
      s = await startServer({
        ...(await backend.env()),
        LARDER_UPLOAD_GRACE: '0s',
        LARDER_NAR_GRACE: '10m',
      });
    });
    after(async () => {
      await s?.close();
      assert.deepEqual(s?.errors ?? [], []);
    });

    it('stores a pushed closure and serves signed narinfos, NARs, ranges and listings', async () => {
      const dep = await makeUpload('dep-1.0');
      const top = await makeUpload('top-1.0');
      assert.equal((await push('main', dep)).status, 201);
      assert.equal((await push('main', top, [dep])).status, 201);
      const res = await fetch(`${s.url}/main/${top.hashPart}.narinfo`, authed(s.adminToken));
      assert.equal(res.status, 200);
      const info = parseNarInfo(await res.text());
      const { publicKey } = (await (await api('GET', '/_api/v1/caches/main')).json()) as {
        publicKey: string;
      };
      const fp = fingerprintPath(
        info.storePath,
        info.narHash,
        info.narSize,
        info.references.map((r) => `/nix/store/${r}`),
      );
      assert.ok(
        info.sigs.some((sig) => verifySignature(fp, sig, [parsePublicKey(publicKey)])),
        'the cache signed it',
      );
      const nar = await fetch(`${s.url}/main/${info.url}`, authed(s.adminToken));
      assert.equal(nar.status, 200);
      assert.deepEqual(Buffer.from(await nar.arrayBuffer()), top.file);
      const part = await fetch(
        `${s.url}/main/${info.url}`,
        authed(s.adminToken, { headers: { range: 'bytes=3-9' } }),
      );
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 3-9/${top.file.length}`);
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), top.file.subarray(3, 10));
      const ls = await fetch(`${s.url}/main/${top.hashPart}.ls`, authed(s.adminToken));
      assert.equal(ls.status, 200);
      assert.match(await ls.text(), /"hello"/);
    });

    it('round-trips a NAR larger than one multipart part, with a range at its end', async () => {
      const big = await makeUpload('big-1.0', randomBytes(12 * 1024 * KB), 'none');
      assert.equal((await push('main', big)).status, 201);
      const url = `${s.url}/main/nar/${big.fileName}`;
      const whole = await fetch(url, authed(s.adminToken));
      assert.equal(Number(whole.headers.get('content-length')), big.file.length);
      assert.deepEqual(Buffer.from(await whole.arrayBuffer()), big.file);
      const n = big.file.length;
      const tail = await fetch(
        url,
        authed(s.adminToken, { headers: { range: `bytes=${n - 100}-` } }),
      );
      assert.equal(tail.status, 206);
      assert.deepEqual(Buffer.from(await tail.arrayBuffer()), big.file.subarray(n - 100));
    });

    it('refuses a narinfo whose references or NAR are absent, storing nothing', async () => {
      const missing = await makeUpload('missing-1.0');
      const user = await makeUpload('user-1.0');
      assert.equal((await putNar('main', user)).status, 201);
      const res = await fetch(
        `${s.url}/main/${user.hashPart}.narinfo`,
        authed(s.adminToken, { method: 'PUT', body: user.narinfo({}, [missing.baseName]) }),
      );
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { message: string }).message, /missing-1\.0/);
      assert.equal(await status(`/main/${user.hashPart}.narinfo`), 404);
      const orphan = await makeUpload('orphan-1.0');
      const noNar = await fetch(
        `${s.url}/main/${orphan.hashPart}.narinfo`,
        authed(s.adminToken, { method: 'PUT', body: orphan.narinfo() }),
      );
      assert.equal(noNar.status, 400);
      assert.match(((await noNar.json()) as { message: string }).message, /upload the NAR first/);
    });

    it('refuses a NAR whose bytes do not match its name, leaving it unserved', async () => {
      const u = await makeUpload('liar-1.0');
      const other = await makeUpload('other-1.0');
      const res = await fetch(
        `${s.url}/main/nar/${u.fileName}`,
        authed(s.adminToken, { method: 'PUT', body: other.file }),
      );
      assert.equal(res.status, 400);
      assert.equal(await status(`/main/nar/${u.fileName}`), 404);
    });

    it('stores identical NARs pushed to two caches once', async () => {
      assert.equal((await api('POST', '/_api/v1/caches', { name: 'second' })).status, 201);
      const u = await makeUpload('shared-1.0');
      assert.equal((await push('main', u)).status, 201);
      const again = await putNar('second', u);
      assert.equal(again.status, 201);
      assert.equal(((await again.json()) as { deduplicated: boolean }).deduplicated, true);
    });

    it('evicts by quota without holes, keeps the NAR through its grace, then deletes it', async () => {
      assert.equal(
        (await api('POST', '/_api/v1/caches', { name: 'quota', quota: 250 * KB })).status,
        201,
      );
      const blob = (name: string) => makeUpload(name, randomBytes(100 * KB), 'none');
      const base = await blob('base-1');
      const keep = await blob('keep-1');
      const cheap = await blob('cheap-1');
      assert.equal((await push('quota', base, [], 1)).status, 201);
      assert.equal((await push('quota', cheap, [base])).status, 201);
      const cheapInfo = parseNarInfo(
        await (
          await fetch(`${s.url}/quota/${cheap.hashPart}.narinfo`, authed(s.adminToken))
        ).text(),
      );
      assert.equal((await push('quota', keep, [base], 1)).status, 201);
      assert.equal(await status(`/quota/${cheap.hashPart}.narinfo`), 404, 'the tier-2 root went');
      assert.equal(await status(`/quota/${keep.hashPart}.narinfo`), 200);
      assert.equal(await status(`/quota/${base.hashPart}.narinfo`), 200, 'no hole under keep');
      assert.equal(await status(`/quota/${cheapInfo.url}`), 200, 'still downloadable in grace');
      const deps = s.app.deps;
      assert.equal(await sweepNars({ ...deps, now: () => Date.now() }), 0);
      assert.equal(await sweepNars({ ...deps, now: () => Date.now() + 11 * 60_000 }), 1);
      assert.equal(await status(`/quota/${cheapInfo.url}`), 404);
      const gone = await deps.index.getNar(cheap.fileHash);
      assert.equal(gone, undefined, 'the index forgot it');
      const evictions = (await (await api('GET', '/_api/v1/quota/stats')).json()) as {
        recentEvictions: { baseName: string }[];
      };
      assert.deepEqual(
        evictions.recentEvictions.map((e) => e.baseName),
        [cheap.baseName],
      );
    });

    it('honours token scopes and revocation', async () => {
      const u = await makeUpload('scoped-1.0');
      assert.equal((await push('main', u)).status, 201);
      const made = await api('POST', '/_api/v1/tokens', {
        grants: [{ cache: 'main', scopes: ['pull'] }],
      });
      assert.equal(made.status, 201);
      const t = (await made.json()) as { token: string; id: string };
      const get = () => fetch(`${s.url}/main/${u.hashPart}.narinfo`, authed(t.token));
      assert.equal((await get()).status, 200);
      const other = await makeUpload('denied-1.0');
      const put = await fetch(
        `${s.url}/main/nar/${other.fileName}`,
        authed(t.token, { method: 'PUT', body: other.file }),
      );
      assert.equal(put.status, 403);
      assert.equal((await api('DELETE', `/_api/v1/tokens/${t.id}`)).status, 200);
      assert.equal((await get()).status, 401);
    });

    it('keeps build logs', async () => {
      const drv = `${(await makeUpload('x')).hashPart}-hello-1.0.drv`;
      const put = await fetch(
        `${s.url}/main/log/${drv}`,
        authed(s.adminToken, { method: 'PUT', body: 'building hello\n' }),
      );
      assert.ok(put.status === 200 || put.status === 201, String(put.status));
      const got = await fetch(`${s.url}/main/log/${drv}`, authed(s.adminToken));
      assert.equal(got.status, 200);
      assert.equal(await got.text(), 'building hello\n');
    });
  });
}
