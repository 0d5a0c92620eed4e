import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

/** A server with a public cache `community` and the private `main` filled past its quota. */
export interface Fixture {
  s: TestServer;
  api(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  /** A one-time sign-in URL for `token` (the admin token by default). */
  link(token?: string): Promise<string>;
  uploads: Record<string, Upload>;
}

/** 781.3 KiB: the roots below add up to more, so pushing them evicts the cheapest. */
export const MAIN_QUOTA = 800_000;

/** Starts a server and pushes roots of every tier to `main`, some evicted by the quota. */
export async function startFixture(): Promise<Fixture> {
  const s = await startServer({ LARDER_UPLOAD_GRACE: '0s' });
  const api = (method: string, path: string, body?: unknown, token = s.adminToken) =>
    fetch(
      `${s.url}${path}`,
      authed(token, { method, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
  const f: Fixture = {
    s,
    api,
    uploads: {},
    async link(token = s.adminToken) {
      const r = await api('POST', '/_api/v1/dashboard/link', undefined, token);
      assert.equal(r.status, 201);
      return ((await r.json()) as { url: string }).url;
    },
  };
  try {
    await fill(f);
  } catch (err) {
    await s.close();
    throw err;
  }
  return f;
}

async function fill(f: Fixture): Promise<void> {
  const { s, api, uploads } = f;
  // As `nix copy` pushes: the NAR, then the narinfo, references first.
  const push = async (
    cache: string,
    name: string,
    kib: number,
    headers = {},
    refs: string[] = [],
  ) => {
    const u = await makeUpload(name, randomBytes(kib * 1024), 'none');
    uploads[name] = u;
    const nar = await fetch(
      `${s.url}/${cache}/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'PUT', body: u.file }),
    );
    assert.equal(nar.ok, true, `NAR of ${name}: ${await nar.text()}`);
    const body = u.narinfo(
      {},
      refs.map((r) => uploads[r]?.baseName ?? r),
    );
    const info = await fetch(
      `${s.url}/${cache}/${u.hashPart}.narinfo`,
      authed(s.adminToken, { method: 'PUT', body, headers }),
    );
    assert.equal(info.status, 201, `narinfo of ${name}: ${await info.text()}`);
  };
  const created = await api('POST', '/_api/v1/caches', { name: 'community', public: true });
  assert.equal(created.status, 201);
  await push('community', 'hello-2.12', 40, { 'x-larder-build-seconds': '30' });
  assert.equal((await api('PATCH', '/_api/v1/caches/main', { quota: MAIN_QUOTA })).status, 200);
  const t1 = { 'x-larder-tier': '1' };
  await push('main', 'glibc-2.39', 60);
  await push('main', 'python3-3.12.4', 180, { ...t1, 'x-larder-build-seconds': '5100' }, [
    'glibc-2.39',
  ]);
  await push('main', 'gcc-13.3.0', 200, { ...t1, 'x-larder-build-seconds': '6000' });
  await push('main', 'rustc-1.80.0', 150, { 'x-larder-build-seconds': '2400' }, ['glibc-2.39']);
  await push('main', 'ripgrep-14.1.0', 60, { 'x-larder-build-seconds': '45' }, ['glibc-2.39']);
  await push('main', 'k9s-0.32.5', 140, { 'x-larder-build-seconds': '90' });
  await push('main', 'jq-1.7.1', 30, { 'x-larder-tier': '3' });
  // Over the quota from here: the cheapest roots go to make room.
  await push('main', 'nodejs-22.4.1', 160, { 'x-larder-build-seconds': '3600' });
  await push('main', 'shellcheck-0.10.0', 20, { 'x-larder-tier': '3' });
}
