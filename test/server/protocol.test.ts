import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { zstdCompressSync } from 'node:zlib';
import {
  fingerprintPath,
  parseHash,
  parseNarInfo,
  parsePublicKey,
  verifySignature,
} from '../../src/nix/index.ts';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

async function push(s: TestServer, u: Upload, refs: string[] = []) {
  const nar = await fetch(
    `${s.url}/main/nar/${u.fileName}`,
    authed(s.adminToken, { method: 'PUT', body: u.file }),
  );
  assert.equal(nar.status, 201, await nar.text());
  const info = await fetch(
    `${s.url}/main/${u.hashPart}.narinfo`,
    authed(s.adminToken, { method: 'PUT', body: u.narinfo({}, refs) }),
  );
  assert.equal(info.status, 201, await info.text());
}

describe('binary cache protocol', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('serves nix-cache-info with the store dir, mass query and priority', async () => {
    const res = await fetch(`${s.url}/main/nix-cache-info`, authed(s.adminToken));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
  });

  it('serves a pushed narinfo signed by the cache, with references in order', async () => {
    const dep = await makeUpload('dep-1.0');
    const top = await makeUpload('top-1.0');
    await push(s, dep);
    await push(s, top, [dep.baseName, top.baseName]);
    const res = await fetch(`${s.url}/main/${top.hashPart}.narinfo`, authed(s.adminToken));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/x-nix-narinfo');
    const info = parseNarInfo(await res.text());
    assert.equal(info.storePath, top.storePath);
    assert.equal(info.compression, 'zstd');
    assert.deepEqual(info.references, [dep.baseName, top.baseName].sort());
    const cache = (await (
      await fetch(`${s.url}/_api/v1/caches/main`, authed(s.adminToken))
    ).json()) as { publicKey: string };
    const fp = fingerprintPath(
      info.storePath,
      info.narHash,
      info.narSize,
      info.references.map((r) => `/nix/store/${r}`),
    );
    assert.equal(info.sigs.length, 1);
    assert.ok(verifySignature(fp, info.sigs[0] as string, [parsePublicKey(cache.publicKey)]));
    assert.equal(
      info.narHash.digest.toString('hex'),
      parseHash(`sha256:${top.narHash}`).digest.toString('hex'),
    );
  });

  it('answers 404 for an absent narinfo and HEAD without a body', async () => {
    const u = await makeUpload('absent');
    const res = await fetch(`${s.url}/main/${u.hashPart}.narinfo`, authed(s.adminToken));
    assert.equal(res.status, 404);
    const up = await makeUpload('present');
    await push(s, up);
    const head = await fetch(
      `${s.url}/main/${up.hashPart}.narinfo`,
      authed(s.adminToken, { method: 'HEAD' }),
    );
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('serves NARs whole and by Range, without Content-Encoding', async () => {
    const u = await makeUpload('ranged', Buffer.alloc(100_000, 7));
    await push(s, u);
    const whole = await fetch(`${s.url}/main/nar/${u.fileName}`, authed(s.adminToken));
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('content-encoding'), null);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), u.file);
    const part = await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(s.adminToken, { headers: { range: 'bytes=10-19' } }),
    );
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${u.file.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), u.file.subarray(10, 20));
    const tail = await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(s.adminToken, { headers: { range: 'bytes=-5' } }),
    );
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), u.file.subarray(u.file.length - 5));
    const bad = await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(s.adminToken, { headers: { range: `bytes=${u.file.length}-` } }),
    );
    assert.equal(bad.status, 416);
    const head = await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'HEAD' }),
    );
    assert.equal(head.headers.get('content-length'), String(u.file.length));
  });

  it('serves the listing computed from the NAR', async () => {
    const u = await makeUpload('listed', 'hi');
    await push(s, u);
    const res = await fetch(`${s.url}/main/${u.hashPart}.ls`, authed(s.adminToken));
    assert.equal(res.status, 200);
    const ls = (await res.json()) as {
      version: number;
      root: { type: string; entries: Record<string, unknown> };
    };
    assert.equal(ls.version, 1);
    assert.equal(ls.root.type, 'directory');
    assert.deepEqual(Object.keys(ls.root.entries).sort(), ['README', 'bin']);
  });

  it('stores build logs and serves them back with their encoding', async () => {
    const drv = `${(await makeUpload('x')).hashPart}-hello-1.0.drv`;
    const log = zstdCompressSync(Buffer.from('building hello\n'));
    const put = await fetch(
      `${s.url}/main/log/${drv}`,
      authed(s.adminToken, { method: 'PUT', body: log, headers: { 'content-encoding': 'zstd' } }),
    );
    assert.equal(put.status, 201);
    const raw = await fetch(
      `${s.url}/main/log/${drv}`,
      authed(s.adminToken, { headers: { 'accept-encoding': 'identity' } }),
    );
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('content-encoding'), 'zstd');
  });

  it('stores identical NARs once across caches', async () => {
    const create = await fetch(
      `${s.url}/_api/v1/caches`,
      authed(s.adminToken, { method: 'POST', body: JSON.stringify({ name: 'other' }) }),
    );
    assert.equal(create.status, 201);
    const u = await makeUpload('shared', 'same bytes');
    await push(s, u);
    const again = await fetch(
      `${s.url}/other/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'PUT', body: u.file }),
    );
    assert.equal(again.status, 201);
    assert.equal(((await again.json()) as { deduplicated: boolean }).deduplicated, true);
    const info = await fetch(
      `${s.url}/other/${u.hashPart}.narinfo`,
      authed(s.adminToken, { method: 'PUT', body: u.narinfo() }),
    );
    assert.equal(info.status, 201);
    const nar = await fetch(`${s.url}/other/nar/${u.fileName}`, authed(s.adminToken));
    assert.deepEqual(Buffer.from(await nar.arrayBuffer()), u.file);
  });

  it('answers which paths of a closure are missing in one request', async () => {
    const here = await makeUpload('here');
    const gone = await makeUpload('gone');
    await push(s, here);
    const res = await fetch(
      `${s.url}/_api/v1/main/missing`,
      authed(s.adminToken, {
        method: 'POST',
        body: JSON.stringify({ paths: [here.storePath, gone.storePath] }),
      }),
    );
    assert.deepEqual(await res.json(), { missing: [gone.storePath] });
  });
});

describe('metrics', () => {
  it('counts hits, misses, bytes and refused uploads in Prometheus text', async () => {
    const s = await startServer();
    try {
      const u = await makeUpload('metered', Buffer.alloc(1000, 3));
      await push(s, u);
      await fetch(`${s.url}/main/${u.hashPart}.narinfo`, authed(s.adminToken));
      await fetch(
        `${s.url}/main/${(await makeUpload('nope')).hashPart}.narinfo`,
        authed(s.adminToken),
      );
      await (await fetch(`${s.url}/main/nar/${u.fileName}`, authed(s.adminToken))).arrayBuffer();
      const bad = await fetch(
        `${s.url}/main/${u.hashPart}.narinfo`,
        authed(s.adminToken, { method: 'PUT', body: u.narinfo({ NarSize: '1' }) }),
      );
      assert.equal(bad.status, 400);
      // The NAR's bytes are counted once the server's last write has drained, which may
      // come after the client has read them all: ask until they are (5 s at most).
      const served = /^larder_nar_bytes_served_total\{cache="main"\} /m;
      let text = '';
      for (const until = Date.now() + 5000; Date.now() < until; ) {
        text = await (await fetch(`${s.url}/metrics`)).text();
        if (served.test(text)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.match(text, /^larder_narinfo_hits_total\{cache="main"\} 1$/m);
      assert.match(text, /^larder_narinfo_misses_total\{cache="main"\} 1$/m);
      assert.match(
        text,
        new RegExp(`^larder_nar_bytes_served_total\\{cache="main"\\} ${u.file.length}$`, 'm'),
      );
      assert.match(
        text,
        new RegExp(`^larder_nar_bytes_received_total\\{cache="main"\\} ${u.file.length}$`, 'm'),
      );
      assert.match(text, /^larder_upload_rejected_total\{reason="invalid_narsize"\} 1$/m);
      assert.match(text, /^larder_cache_paths\{cache="main"\} 1$/m);
      assert.match(
        text,
        /^larder_http_requests_total\{route="getNarinfo",method="GET",status="200",lane="(fast|node)"\} 1$/m,
      );
    } finally {
      await s.close();
    }
  });
});
