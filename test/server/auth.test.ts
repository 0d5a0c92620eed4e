import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload } from '../helpers/upload.ts';

describe('tokens and scopes', () => {
  let s: TestServer;
  const api = (token: string, method: string, path: string, body?: unknown) =>
    fetch(
      `${s.url}${path}`,
      authed(token, { method, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
  const mint = async (grants: unknown, extra: Record<string, unknown> = {}, by = s.adminToken) => {
    const res = await api(by, 'POST', '/_api/v1/tokens', { grants, ...extra });
    const body = (await res.json()) as { token: string; id: string; message?: string };
    assert.equal(res.status, 201, body.message);
    return body;
  };
  const narinfoStatus = (token: string | undefined, hash: string) =>
    fetch(`${s.url}/main/${hash}.narinfo`, token ? authed(token) : {}).then((r) => r.status);

  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('keeps a private cache closed to missing, unknown and wrong-scope tokens', async () => {
    const u = await makeUpload('secret');
    assert.equal(await narinfoStatus(undefined, u.hashPart), 401);
    assert.equal(await narinfoStatus('larder_not-a-real-token', u.hashPart), 401);
    const other = await api(s.adminToken, 'POST', '/_api/v1/caches', { name: 'elsewhere' });
    assert.equal(other.status, 201);
    const elsewhere = await mint([{ cache: 'elsewhere', scopes: ['pull', 'push'] }]);
    assert.equal(await narinfoStatus(elsewhere.token, u.hashPart), 403);
    const pull = await mint([{ cache: 'main', scopes: ['pull'] }]);
    assert.equal(await narinfoStatus(pull.token, u.hashPart), 404);
    const push = await fetch(
      `${s.url}/main/nar/${u.fileName}`,
      authed(pull.token, { method: 'PUT', body: u.file }),
    );
    assert.equal(push.status, 403);
    assert.match(((await push.json()) as { message: string }).message, /push scope/);
  });

  it('accepts the token as the password of HTTP Basic, as Nix sends it from netrc', async () => {
    const t = await mint([{ cache: 'main', scopes: ['pull'] }]);
    const basic = `Basic ${Buffer.from(`anyone:${t.token}`).toString('base64')}`;
    const res = await fetch(`${s.url}/main/nix-cache-info`, { headers: { authorization: basic } });
    assert.equal(res.status, 200);
    const wrong = `Basic ${Buffer.from('anyone:larder_wrong').toString('base64')}`;
    assert.equal(
      (await fetch(`${s.url}/main/nix-cache-info`, { headers: { authorization: wrong } })).status,
      401,
    );
  });

  it('makes revocation effective on the next request', async () => {
    const t = await mint([{ cache: 'main', scopes: ['pull'] }]);
    assert.equal((await fetch(`${s.url}/main/nix-cache-info`, authed(t.token))).status, 200);
    assert.equal((await api(s.adminToken, 'DELETE', `/_api/v1/tokens/${t.id}`)).status, 200);
    const res = await fetch(`${s.url}/main/nix-cache-info`, authed(t.token));
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { message: string }).message, /revoked/);
  });

  it('refuses an expired token', async () => {
    const t = await mint([{ cache: 'main', scopes: ['pull'] }], { expiresIn: '1ms' });
    await new Promise((r) => setTimeout(r, 20));
    const res = await fetch(`${s.url}/main/nix-cache-info`, authed(t.token));
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { message: string }).message, /expired/);
  });

  it('lets anyone pull from a public cache, but nobody push without a token', async () => {
    const res = await api(s.adminToken, 'POST', '/_api/v1/caches', { name: 'open', public: true });
    assert.equal(res.status, 201);
    assert.equal((await fetch(`${s.url}/open/nix-cache-info`)).status, 200);
    const u = await makeUpload('pub');
    assert.equal(
      (await fetch(`${s.url}/open/nar/${u.fileName}`, { method: 'PUT', body: u.file })).status,
      401,
    );
  });

  it('lets only admins create caches and grant scopes', async () => {
    const pusher = await mint([{ cache: 'main', scopes: ['pull', 'push'] }]);
    assert.equal(
      (await api(pusher.token, 'POST', '/_api/v1/caches', { name: 'mine' })).status,
      403,
    );
    assert.equal(
      (
        await api(pusher.token, 'POST', '/_api/v1/tokens', {
          grants: [{ cache: 'main', scopes: ['pull'] }],
        })
      ).status,
      403,
    );
    const cacheAdmin = await mint([{ cache: 'main', scopes: ['admin'] }]);
    await mint([{ cache: 'main', scopes: ['pull'] }], {}, cacheAdmin.token);
    assert.equal(
      (
        await api(cacheAdmin.token, 'POST', '/_api/v1/tokens', {
          grants: [{ cache: '*', scopes: ['pull'] }],
        })
      ).status,
      403,
    );
    const listed = (await (await api(cacheAdmin.token, 'GET', '/_api/v1/tokens')).json()) as {
      tokens: { grants: { cache: string }[] }[];
    };
    assert.ok(listed.tokens.every((t) => t.grants.every((g) => g.cache === 'main')));
  });

  it('never shows a token or its hash after creation', async () => {
    const t = await mint([{ cache: 'main', scopes: ['pull'] }]);
    const text = await (await api(s.adminToken, 'GET', '/_api/v1/tokens')).text();
    assert.ok(!text.includes(t.token));
    assert.ok(!text.includes('hash'));
  });

  it('rejects bad token requests with the field named', async () => {
    const res = await api(s.adminToken, 'POST', '/_api/v1/tokens', {
      grants: [{ cache: 'main', scopes: ['sudo'] }],
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /grants/);
    const nocache = await api(s.adminToken, 'POST', '/_api/v1/tokens', {
      grants: [{ cache: 'nope', scopes: ['pull'] }],
    });
    assert.equal(nocache.status, 400);
  });
});
