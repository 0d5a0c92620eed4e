import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'larder.js');

describe('larder cache and token commands', () => {
  let s: TestServer;
  let home: string;
  // Asynchronous on purpose: the server under test runs in this process's event loop.
  const larder = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            HOME: home,
            XDG_CONFIG_HOME: join(home, '.config'),
            ...env,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });

  before(async () => {
    s = await startServer();
    home = mkdtempSync(join(tmpdir(), 'larder-home-'));
  });
  after(async () => {
    await s.close();
    rmSync(home, { recursive: true, force: true });
    assert.deepEqual(s.errors, []);
  });

  it('says in one line that there is no server configured', async () => {
    const r = await larder(['cache', 'list']);
    assert.equal(r.code, 2);
    assert.match(r.err, /^larder: no server: run `larder login/);
    assert.equal(r.err.trim().split('\n').length, 1);
  });

  it('logs in, keeping the token in a 0600 file, and rejects a wrong token', async () => {
    const bad = await larder(['login', s.url, 'larder_wrong']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /401.*not known/);
    const ok = await larder(['login', s.url, s.adminToken]);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(statSync(join(home, '.config', 'larder', 'config.toml')).mode & 0o777, 0o600);
  });

  it('creates, lists, shows, configures and deletes caches', async () => {
    const created = await larder(['cache', 'create', 'ci', '--quota', '5GiB', '--json']);
    assert.equal(created.code, 0, created.err);
    const c = JSON.parse(created.out) as { url: string; publicKey: string; quota: number };
    assert.equal(c.url, `${s.url}/ci`);
    assert.match(c.publicKey, /^larder-ci-1:[A-Za-z0-9+/]{43}=$/);
    assert.equal(c.quota, 5 * 1024 ** 3);
    const info = JSON.parse((await larder(['cache', 'info', 'ci', '--json'])).out) as {
      url: string;
      publicKey: string;
    };
    assert.equal(info.publicKey, c.publicKey);
    assert.match(
      (await larder(['cache', 'info', 'ci'])).out,
      /substituter: http:\/\/127\.0\.0\.1:\d+\/ci/,
    );
    const names = (
      JSON.parse((await larder(['cache', 'list', '--json'])).out) as { name: string }[]
    ).map((x) => x.name);
    assert.deepEqual(names, ['ci', 'main']);
    const conf = JSON.parse(
      (await larder(['cache', 'config', 'ci', '--public', '--priority', '10', '--json'])).out,
    ) as { public: boolean; priority: number };
    assert.deepEqual([conf.public, conf.priority], [true, 10]);
    const dup = await larder(['cache', 'create', 'ci']);
    assert.equal(dup.code, 1);
    assert.match(dup.err, /409.*already exists/);
    assert.equal((await larder(['cache', 'delete', 'ci'])).code, 2);
    assert.equal((await larder(['cache', 'delete', 'ci', '--yes'])).code, 0);
    assert.match((await larder(['cache', 'info', 'ci'])).err, /404/);
  });

  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const r = await larder([
      'token',
      'create',
      '--cache',
      'main',
      '--scope',
      'pull,push',
      '--json',
    ]);
    assert.equal(r.code, 0, r.err);
    const t = JSON.parse(r.out) as { token: string; id: string };
    assert.match(t.token, /^larder_/);
    const viaEnv = await larder(['cache', 'info', 'main', '--json'], {
      LARDER_TOKEN: t.token,
      LARDER_SERVER: s.url,
    });
    assert.equal(viaEnv.code, 0, viaEnv.err);
    const listed = await larder(['token', 'list', '--json']);
    assert.ok(!listed.out.includes(t.token));
    assert.ok((JSON.parse(listed.out) as { id: string }[]).some((x) => x.id === t.id));
    assert.equal((await larder(['token', 'revoke', t.id])).code, 0);
    const after = await larder(['cache', 'info', 'main'], { LARDER_TOKEN: t.token });
    assert.equal(after.code, 1);
    assert.match(after.err, /revoked/);
    const badScope = await larder(['token', 'create', '--cache', 'main', '--scope', 'root']);
    assert.equal(badScope.code, 2);
  });

  it('prints help for commands', async () => {
    const r = await larder(['cache', 'create', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /--quota/);
  });
});
