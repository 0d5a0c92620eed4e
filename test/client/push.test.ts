import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

describe('larder push and watch-store with real Nix', { skip: requireNix() }, () => {
  let server: ServerProcess;
  let nix: NixEnv;
  let root: string;
  const larder = (args: string[], env: Record<string, string> = {}) =>
    runLarder(args, {
      ...nix.env,
      LARDER_SERVER: server.url,
      LARDER_TOKEN: server.adminToken,
      ...env,
    });
  /** A diamond with a chain: top -> (left, right) -> base, each with some data. */
  const graph = (salt: string) => {
    const base = nix.busyboxDrv(
      `base-${salt}`,
      `$bb mkdir -p $out; $bb dd if=/dev/urandom of=$out/data bs=1024 count=512 2>/dev/null`,
    );
    const left = nix.busyboxDrv(
      `left-${salt}`,
      `$bb mkdir -p $out; echo $dep0 > $out/ref; $bb dd if=/dev/urandom of=$out/data bs=1024 count=256 2>/dev/null`,
      [base],
    );
    const right = nix.busyboxDrv(`right-${salt}`, `$bb mkdir -p $out; echo $dep0 > $out/ref`, [
      base,
    ]);
    return nix.busyboxDrv(`top-${salt}`, `$bb mkdir -p $out; echo $dep0 $dep1 > $out/refs`, [
      left,
      right,
    ]);
  };
  const substitute = (store: string, paths: string[], url = `${server.url}/main`) => {
    const netrc = join(root, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1 login x password ${server.adminToken}\n`);
    return nix.tryRun([
      'nix-store',
      '--store',
      store,
      '-r',
      ...paths,
      '--option',
      'substituters',
      url,
      '--option',
      'trusted-public-keys',
      server.publicKey,
      '--option',
      'require-sigs',
      'true',
      '--option',
      'netrc-file',
      netrc,
    ]);
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-push-'));
    server = await spawnServer(join(root, 'data'));
    nix = NixEnv.create();
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(root, { recursive: true, force: true });
    assert.doesNotMatch(server.stderr(), / ERROR /);
  });

  it('pushes a closure that another machine substitutes with signatures required; a second push uploads nothing', async () => {
    const store = nix.store('builder');
    const top = nix.build(store, graph('a')).trim();
    const closure = nix.run(['nix-store', '--store', store, '-qR', top]).trim().split('\n');
    assert.equal(closure.length, 4);
    const first = await larder(['push', 'main', top, '--store', store, '--json']);
    assert.equal(first.code, 0, first.err);
    const s1 = JSON.parse(first.out) as { uploaded: number; skipped: number; bytes: number };
    assert.equal(s1.uploaded, 4);
    assert.equal(s1.skipped, 0);
    assert.ok(s1.bytes > 512 * 1024, `bytes ${s1.bytes}`);
    assert.equal(first.err, '', 'quiet in a pipe');

    const consumer = nix.store('consumer');
    const r = substitute(consumer, [top]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      nix.run(['nix-store', '--store', consumer, '-qR', top]).trim().split('\n').sort(),
      closure.sort(),
    );
    nix.run(['nix-store', '--store', consumer, '--verify-path', ...closure]);

    const second = await larder(['push', 'main', top, '--store', store, '--json']);
    const s2 = JSON.parse(second.out) as { uploaded: number; skipped: number; bytes: number };
    assert.deepEqual([s2.uploaded, s2.skipped, s2.bytes], [0, 4, 0]);
    const human = await larder(['push', 'main', top, '--store', store]);
    assert.match(human.out, /nothing to upload: all 4 paths .* already in main/);
  });

  it('uploads no narinfo before the narinfos of its references', async () => {
    const store = nix.store('order');
    const top = nix.build(store, graph('order')).trim();
    const r = await larder(['push', 'main', top, '--store', store, '--jobs', '8']);
    assert.equal(r.code, 0, r.err);
    const stored = [...server.stderr().matchAll(/stored ([0-9a-z]{32}-\S+) in main/g)].map(
      (m) => `/nix/store/${m[1]}`,
    );
    for (const p of nix.run(['nix-store', '--store', store, '-qR', top]).trim().split('\n')) {
      const at = stored.indexOf(p);
      assert.ok(at >= 0, `${p} was not stored`);
      const refs = nix
        .run(['nix-store', '--store', store, '-q', '--references', p])
        .trim()
        .split('\n')
        .filter((x) => x && x !== p);
      for (const ref of refs)
        assert.ok(stored.indexOf(ref) < at, `${p} was stored before its reference ${ref}`);
    }
  });

  it('reports the bytes it sent for NARs of many compressed chunks, as stored', async () => {
    const store = nix.store('big');
    const big = nix.busyboxDrv(
      'big',
      '$bb mkdir -p $out; $bb dd if=/dev/urandom of=$out/random bs=1048576 count=3 2>/dev/null; $bb seq 1 1500000 > $out/numbers',
    );
    const top = nix.build(store, big).trim();
    const r = await larder(['push', 'main', top, '--store', store, '--json']);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out) as { uploaded: number; bytes: number; narBytes: number };
    assert.equal(s.uploaded, 1);
    const info = await (
      await fetch(`${server.url}/main/${top.slice('/nix/store/'.length, 43)}.narinfo`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      })
    ).text();
    const field = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(info)?.[1]);
    // 3 MiB of random bytes and ~10 MiB of digits: several 1 MiB chunks in and out of zstd.
    assert.ok(field('NarSize') > 12 * 2 ** 20, info);
    assert.equal(s.narBytes, field('NarSize'));
    assert.equal(s.bytes, field('FileSize'));
  });

  it('fails in one line, storing nothing, when a store file cannot be read mid-push', async () => {
    const store = nix.store('unreadable');
    const top = nix
      .build(
        store,
        nix.busyboxDrv(
          'unreadable',
          '$bb mkdir -p $out; $bb dd if=/dev/urandom of=$out/a bs=1048576 count=2 2>/dev/null; $bb dd if=/dev/urandom of=$out/b bs=1048576 count=2 2>/dev/null',
        ),
      )
      .trim();
    // The second file becomes a FIFO, which no NAR can hold, after the first's 2 MiB have
    // been streamed (the store's folder is read-only; this is a chroot store run by root).
    const dir = nix.realPath(store, top);
    chmodSync(dir, 0o755);
    rmSync(join(dir, 'b'));
    nix.run(['mkfifo', join(dir, 'b')]);
    const r = await larder(['push', 'main', top, '--store', store]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, new RegExp(`^larder: cannot read ${top} from the local store: `, 'm'));
    const info = await fetch(`${server.url}/main/${top.slice('/nix/store/'.length, 43)}.narinfo`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(info.status, 404);
  });

  it('passes --tier and --build-seconds and explains refusals in one line', async () => {
    const store = nix.store('errors');
    const path = nix.addText(store, 'note.txt', 'hello');
    const tiered = await larder([
      'push',
      'main',
      path,
      '--store',
      store,
      '--tier',
      '1',
      '--build-seconds',
      '3600',
    ]);
    assert.equal(tiered.code, 0, tiered.err);
    const missing = await larder([
      'push',
      'main',
      '/nix/store/00000000000000000000000000000000-nothing',
      '--store',
      store,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^larder: .*not valid|not in the local store/);
    const unknown = await larder(['push', 'nope', path, '--store', store]);
    assert.match(unknown.err, /unknown cache nope/);
    const tokenRes = await fetch(`${server.url}/_api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}` },
      body: JSON.stringify({ grants: [{ cache: 'main', scopes: ['pull'] }] }),
    });
    const { token } = (await tokenRes.json()) as { token: string };
    const other = nix.addText(store, 'other.txt', 'other');
    const pullOnly = await larder(['push', 'main', other, '--store', store], {
      LARDER_TOKEN: token,
    });
    assert.equal(pullOnly.code, 1);
    assert.match(pullOnly.err, /push scope/);
    assert.equal(pullOnly.err.trim().split('\n').length, 1);
    const down = await larder(['push', 'main', other, '--store', store], {
      LARDER_SERVER: 'http://127.0.0.1:1',
    });
    assert.equal(down.code, 1);
    assert.match(down.err, /cannot reach http:\/\/127\.0\.0\.1:1/);
  });

  it('completes a verified closure through a server that drops and 503s requests', async () => {
    let n = 0;
    const target = new URL(server.url);
    const proxy = createServer((req, res) => {
      n++;
      if (n % 5 === 2) {
        req.socket.destroy();
        return;
      }
      if (n % 5 === 4) {
        req.resume();
        res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/json' });
        res.end('{"code":"busy","message":"try again"}');
        return;
      }
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const store = nix.store('flaky');
      const top = nix.build(store, graph('flaky')).trim();
      const r = await larder(['push', 'main', top, '--store', store, '--json'], {
        LARDER_SERVER: url,
      });
      assert.equal(r.code, 0, r.err);
      assert.equal((JSON.parse(r.out) as { uploaded: number }).uploaded, 4);
      assert.ok(n > 10, `the proxy saw ${n} requests`);
    } finally {
      proxy.close();
    }
    const consumer = nix.store('flaky-consumer');
    const top = nix
      .run([
        'nix-store',
        '--store',
        nix.store('flaky'),
        '-qR',
        nix.build(nix.store('flaky'), graph('flaky')).trim(),
      ])
      .trim()
      .split('\n');
    const res = substitute(consumer, top);
    assert.equal(res.code, 0, res.stderr);
    nix.run(['nix-store', '--store', consumer, '--verify-path', ...top]);
  });

  it('watch-store pushes fresh builds and keeps its queue across a crash', async () => {
    const store = nix.store('watched');
    nix.addText(store, 'seed.txt', 'seed'); // create the store
    const queue = join(root, 'watch.queue');
    // First a watcher that cannot reach the server: it queues, fails, and is killed.
    const dead = execFile(
      process.execPath,
      [BIN, 'watch-store', 'main', '--store', store, '--batch-ms', '200', '--queue', queue],
      {
        env: { ...nix.env, LARDER_SERVER: 'http://127.0.0.1:1', LARDER_TOKEN: server.adminToken },
      },
    );
    await new Promise((r) => setTimeout(r, 1500));
    const built = nix
      .build(store, nix.busyboxDrv('watched-1', '$bb mkdir -p $out; echo one > $out/x'))
      .trim();
    for (
      let i = 0;
      i < 100 && !(existsSync(queue) && readFileSync(queue, 'utf8').includes(built));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(readFileSync(queue, 'utf8'), new RegExp(built));
    dead.kill('SIGKILL');

    // A new watcher pushes what was queued, and then what is built while it runs.
    const live = execFile(
      process.execPath,
      [BIN, 'watch-store', 'main', '--store', store, '--batch-ms', '200', '--queue', queue],
      {
        env: { ...nix.env, LARDER_SERVER: server.url, LARDER_TOKEN: server.adminToken },
      },
    );
    const has = async (p: string) =>
      (
        await fetch(`${server.url}/main/${p.slice(11, 43)}.narinfo`, {
          headers: { authorization: `Bearer ${server.adminToken}` },
        })
      ).status === 200;
    try {
      for (let i = 0; i < 100 && !(await has(built)); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(await has(built), 'the queued path was pushed after the restart');
      await new Promise((r) => setTimeout(r, 500));
      const fresh = nix
        .build(store, nix.busyboxDrv('watched-2', '$bb mkdir -p $out; echo two > $out/x'))
        .trim();
      for (let i = 0; i < 100 && !(await has(fresh)); i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(await has(fresh), 'a path built while watching was pushed');
    } finally {
      live.kill('SIGTERM');
    }
  });

  it('works as a post-build-hook: pushes OUT_PATHS and exits', async () => {
    const store = nix.store('hook');
    const out = nix
      .build(store, nix.busyboxDrv('hooked', '$bb mkdir -p $out; echo hook > $out/x'))
      .trim();
    const r = await larder(
      ['watch-store', 'main', '--store', store, '--queue', join(root, 'hook.queue')],
      { OUT_PATHS: out, DRV_PATH: '' },
    );
    assert.equal(r.code, 0, r.err);
    const res = await fetch(`${server.url}/main/${out.slice(11, 43)}.narinfo`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(res.status, 200);
    assert.equal(readFileSync(join(root, 'hook.queue'), 'utf8').includes(`-${out}`), true);
  });
});
