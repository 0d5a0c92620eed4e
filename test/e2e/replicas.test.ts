import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import {
  fingerprintPath,
  parseNarInfo,
  parsePublicKey,
  verifySignature,
} from '../../src/nix/index.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { freePort, requirePostgres, startPostgres } from '../helpers/postgres.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';
import { requireS3, startS3 } from '../helpers/s3.ts';
import { authed } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

const KB = 1024;

/** Two derivations built with the static busybox: `top` refers to `dep`. */
const EXPR = (busyboxDir: string, salt: string) => `
let
  bb = builtins.path { path = ${busyboxDir}; name = "busybox"; };
  mk = name: script: builtins.derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "\${bb}/busybox";
    args = [ "sh" "-c" script ];
  };
  dep = mk "larder-dep-${salt}" "\${bb}/busybox mkdir -p $out/lib; echo dep-${salt} > $out/lib/data; true";
  top = mk "larder-top-${salt}" "\${bb}/busybox mkdir -p $out/bin; echo \${dep} > $out/bin/ref; \${bb}/busybox dd if=/dev/urandom of=$out/blob bs=1024 count=256 2>/dev/null; true";
in top
`;

describe('two larder replicas on one bucket and one database', {
  skip: requirePostgres() || requireS3(),
}, () => {
  let root: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let dbUrl: string;
  const token = () => a.adminToken;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-replicas-'));
    dbUrl = await (await startPostgres()).createDatabase();
    const bucket = await (await startS3()).createBucket();
    const env = {
      ...bucket.env,
      LARDER_STORAGE: 's3',
      LARDER_DATABASE: 'postgres',
      LARDER_POSTGRES_URL: dbUrl,
      LARDER_UPLOAD_GRACE: '0s',
    };
    // Started at the same moment: migrations, the `main` cache and its key are made once.
    [a, b] = await Promise.all([
      spawnServer(join(root, 'a'), env),
      spawnServer(join(root, 'b'), env),
    ]);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(root, { recursive: true, force: true });
    assert.doesNotMatch(a?.stderr() ?? '', /ERROR/);
    assert.doesNotMatch(b?.stderr() ?? '', /ERROR/);
  });

  it('share caches, the signing key and tokens', async () => {
    assert.equal(a.publicKey, b.publicKey, 'both replicas sign with one key');
    assert.notEqual(a.adminToken, b.adminToken);
    assert.equal((await fetch(`${b.url}/_api/v1/caches`, authed(a.adminToken))).status, 200);
    const made = await fetch(
      `${b.url}/_api/v1/caches`,
      authed(b.adminToken, { method: 'POST', body: JSON.stringify({ name: 'team' }) }),
    );
    assert.equal(made.status, 201);
    const seen = await fetch(`${a.url}/_api/v1/caches/team`, authed(a.adminToken));
    assert.equal(seen.status, 200);
    const t = (await (
      await fetch(
        `${a.url}/_api/v1/tokens`,
        authed(a.adminToken, {
          method: 'POST',
          body: JSON.stringify({ grants: [{ cache: 'team', scopes: ['pull'] }] }),
        }),
      )
    ).json()) as { token: string; id: string };
    assert.equal((await fetch(`${b.url}/team/nix-cache-info`, authed(t.token))).status, 200);
    const revoked = await fetch(
      `${b.url}/_api/v1/tokens/${t.id}`,
      authed(b.adminToken, { method: 'DELETE' }),
    );
    assert.equal(revoked.status, 200);
    assert.equal((await fetch(`${a.url}/team/nix-cache-info`, authed(t.token))).status, 401);
  });

  it('serves through one replica what nix copy pushed through the other', (t) => {
    if (requireNix(t)) return;
    const nix = NixEnv.create();
    try {
      const netrc = join(root, 'netrc');
      // One netrc entry for both (same host): replica A's token is valid on B as well.
      writeFileSync(netrc, `machine 127.0.0.1 login larder password ${token()}\n`);
      const store = nix.store('builder');
      const top = nix.build(store, EXPR(nix.busyboxDir, 'replicas')).trim();
      const closure = nix.run(['nix-store', '--store', store, '-qR', top]).trim().split('\n');
      nix.run([
        'nix',
        'copy',
        '--store',
        store,
        '--to',
        `${a.url}/main`,
        top,
        '--option',
        'netrc-file',
        netrc,
      ]);
      const subst = [
        '--option',
        'substituters',
        `${b.url}/main`,
        '--option',
        'trusted-public-keys',
        b.publicKey,
        '--option',
        'require-sigs',
        'true',
        '--option',
        'netrc-file',
        netrc,
      ];
      const consumer = nix.store('consumer');
      nix.run(['nix-store', '--store', consumer, '-r', top, ...subst]);
      const got = nix.run(['nix-store', '--store', consumer, '-qR', top]).trim().split('\n');
      assert.deepEqual(got.sort(), [...closure].sort());
      nix.run(['nix-store', '--store', consumer, '--verify-path', top]);
      nix.run(['nix', 'store', 'verify', '--store', `${b.url}/main`, '-r', top, ...subst]);
    } finally {
      nix.cleanup();
    }
  });

  it('works behind the example load balancer, deploy/replicas/nginx.conf', async (t) => {
    if (requireNix(t)) return;
    if (spawnSync('nginx', ['-v']).status !== 0) {
      if (process.env.LARDER_REQUIRE_NGINX === '1')
        throw new Error('LARDER_REQUIRE_NGINX=1 but nginx is not installed');
      t.skip('nginx is not installed');
      return;
    }
    // The example as shipped, with this test's ports and a private prefix for its files.
    const dir = join(root, 'nginx');
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const hostOf = (s: ServerProcess) => new URL(s.url).host;
    const example = readFileSync(
      join(import.meta.dirname, '..', '..', 'deploy', 'replicas', 'nginx.conf'),
      'utf8',
    );
    const conf = example
      .replace('server 127.0.0.1:7745', `server ${hostOf(a)}`)
      .replace('server 127.0.0.1:7746', `server ${hostOf(b)}`)
      .replace('listen 8080;', `listen 127.0.0.1:${port};`)
      .replace(
        'http {',
        `http {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;`,
      );
    assert.notEqual(conf, example);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\n${conf}`,
    );
    const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    const nix = NixEnv.create();
    try {
      const lb = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        if ((await fetch(`${lb}/main/nix-cache-info`).catch(() => undefined))?.status === 401)
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const netrc = join(dir, 'netrc');
      writeFileSync(netrc, `machine 127.0.0.1 login larder password ${token()}\n`);
      const store = nix.store('lb-builder');
      const top = nix.build(store, EXPR(nix.busyboxDir, 'balanced')).trim();
      const copy = nix.spawn([
        'nix',
        'copy',
        '--store',
        store,
        '--to',
        `${lb}/main`,
        top,
        '--option',
        'netrc-file',
        netrc,
      ]);
      const pushed = await copy.done;
      assert.equal(pushed.code, 0, pushed.stderr);
      const consumer = nix.store('lb-consumer');
      const got = nix.spawn([
        'nix-store',
        '--store',
        consumer,
        '-r',
        top,
        '--option',
        'substituters',
        `${lb}/main`,
        '--option',
        'trusted-public-keys',
        a.publicKey,
        '--option',
        'require-sigs',
        'true',
        '--option',
        'netrc-file',
        netrc,
      ]);
      const fetched = await got.done;
      assert.equal(fetched.code, 0, fetched.stderr);
      nix.run(['nix-store', '--store', consumer, '--verify-path', top]);
    } finally {
      nginx.kill();
      nix.cleanup();
    }
  });

  it('keeps every served narinfo verifiable while both replicas push and evict at once', async () => {
    const api = (s: ServerProcess, method: string, path: string, body?: unknown) =>
      fetch(
        `${s.url}${path}`,
        authed(token(), { method, body: body === undefined ? undefined : JSON.stringify(body) }),
      );
    assert.equal(
      (await api(a, 'POST', '/_api/v1/caches', { name: 'busy', quota: 400 * KB })).status,
      201,
    );
    const { publicKey } = (await (await api(b, 'GET', '/_api/v1/caches/busy')).json()) as {
      publicKey: string;
    };
    const key = parsePublicKey(publicKey);
    // NAR through one replica, narinfo through the other: a load balancer may do that.
    const push = async (
      narVia: ServerProcess,
      infoVia: ServerProcess,
      u: Upload,
      refs: Upload[],
      tier?: number,
    ) => {
      const nar = await fetch(
        `${narVia.url}/busy/nar/${u.fileName}`,
        authed(token(), { method: 'PUT', body: u.file }),
      );
      assert.equal(nar.status, 201, await nar.text());
      const info = await fetch(
        `${infoVia.url}/busy/${u.hashPart}.narinfo`,
        authed(token(), {
          method: 'PUT',
          body: u.narinfo(
            {},
            refs.map((r) => r.baseName),
          ),
          headers: tier ? { 'x-larder-tier': String(tier) } : {},
        }),
      );
      assert.equal(info.status, 201, await info.text());
    };
    const base = await makeUpload('base-1', randomBytes(20 * KB), 'none');
    await push(a, b, base, [], 1);
    const uploads: Upload[] = [];
    for (let i = 0; i < 24; i++)
      uploads.push(await makeUpload(`churn-${i}`, randomBytes(60 * KB), 'none'));
    let pushing = 2;
    const pusher = async (mine: Upload[], x: ServerProcess, y: ServerProcess) => {
      for (const [i, u] of mine.entries()) await push(i % 2 ? x : y, i % 2 ? y : x, u, [base]);
      pushing--;
    };
    const collector = async () => {
      for (let i = 0; pushing > 0; i++) {
        const res = await api(i % 2 ? a : b, 'POST', '/_api/v1/busy/gc', {});
        assert.equal(res.status, 200);
      }
    };
    const problems: string[] = [];
    let served = 0;
    const reader = async (from: ServerProcess, narFrom: ServerProcess) => {
      while (pushing > 0) {
        for (const u of [base, ...uploads]) {
          const res = await fetch(`${from.url}/busy/${u.hashPart}.narinfo`, authed(token()));
          if (res.status === 404) continue;
          const info = parseNarInfo(await res.text());
          const fp = fingerprintPath(
            info.storePath,
            info.narHash,
            info.narSize,
            info.references.map((r) => `/nix/store/${r}`),
          );
          if (!info.sigs.some((sig) => verifySignature(fp, sig, [key])))
            problems.push(`${u.baseName}: signature does not verify`);
          // Within the NAR grace period the NAR stays downloadable, from either replica.
          const nar = await fetch(`${narFrom.url}/busy/${info.url}`, authed(token()));
          const body = Buffer.from(await nar.arrayBuffer());
          if (nar.status !== 200 || !body.equals(u.file))
            problems.push(`${u.baseName}: NAR answered ${nar.status}`);
          served++;
        }
      }
    };
    await Promise.all([
      pusher(uploads.slice(0, 12), a, b),
      pusher(uploads.slice(12), b, a),
      collector(),
      reader(a, b),
      reader(b, a),
    ]);
    assert.deepEqual(problems, []);
    assert.ok(served > 0);
    // No hole: every served path's references are served, through both replicas.
    for (const u of uploads) {
      for (const s of [a, b]) {
        const res = await fetch(`${s.url}/busy/${u.hashPart}.narinfo`, authed(token()));
        if (res.status !== 200) continue;
        const ref = await fetch(`${s.url}/busy/${base.hashPart}.narinfo`, authed(token()));
        assert.equal(ref.status, 200, `${u.baseName} is served without its reference`);
      }
    }
    const stats = (await (await api(b, 'GET', '/_api/v1/busy/stats')).json()) as {
      totalBytes: number;
    };
    assert.ok(stats.totalBytes <= 400 * KB, `${stats.totalBytes} bytes over the quota`);
    // Each root evicted once, though both replicas planned and collected concurrently.
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const evicted = await c.query(
        "SELECT base_name, count(*)::int AS n FROM evictions WHERE cache = 'busy' GROUP BY base_name",
      );
      assert.ok(evicted.rows.length > 0, 'the quota made both replicas evict');
      assert.deepEqual(
        evicted.rows.filter((r) => r.n !== 1),
        [],
      );
    } finally {
      await c.end();
    }
  });
});
