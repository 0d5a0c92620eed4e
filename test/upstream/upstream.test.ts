import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';

interface PushJson {
  uploaded: number;
  skipped: number;
  upstream: number;
}

/**
 * A second `larder serve` as the upstream of a first one, real Nix on both sides: pushes
 * skip what the upstream has, pull-through stores misses as tier 3, redirect keeps only the
 * narinfo, and an upstream whose signatures do not verify is neither trusted nor pulled.
 */
describe('upstreams: a second larder as the upstream', { skip: requireNix() }, () => {
  let root: string;
  let nix: NixEnv;
  let up: ServerProcess;
  let down: ServerProcess;
  /** An upstream that passes on the real one's signed narinfos, with `URL:`s of its choosing. */
  let liar: Server;
  let liarUrl: string;
  const swapped = new Map<string, string>();
  const asked = new Map<string, number>();
  const keys: Record<string, string> = {};
  const builder = () => nix.store('builder');

  /** A two-path closure built with busybox: `top-<salt>` refers to `base-<salt>`. */
  const closure = (salt: string): { top: string; paths: string[] } => {
    const base = nix.busyboxDrv(
      `base-${salt}`,
      `$bb mkdir -p $out; $bb dd if=/dev/urandom of=$out/data bs=1024 count=64 2>/dev/null`,
    );
    const expr = nix.busyboxDrv(`top-${salt}`, `$bb mkdir -p $out; echo $dep0 > $out/ref`, [base]);
    const top = nix.build(builder(), expr).trim();
    const paths = nix.run(['nix-store', '--store', builder(), '-qR', top]).trim().split('\n');
    return { top, paths: paths.sort() };
  };
  const push = async (server: ServerProcess, cache: string, paths: string[]) => {
    const r = await runLarder(['push', cache, ...paths, '--store', builder(), '--json'], {
      ...nix.env,
      LARDER_SERVER: server.url,
      LARDER_TOKEN: server.adminToken,
    });
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as PushJson;
  };
  /** Substitutes into a fresh chroot store from one downstream cache, trusting only its key. */
  const substitute = (cache: string, top: string) => {
    const store = nix.store(`consumer-${cache}-${top.slice(11, 19)}`);
    const r = nix.tryRun([
      'nix-store',
      '--store',
      store,
      '-r',
      top,
      '--option',
      'substituters',
      `${down.url}/${cache}`,
      '--option',
      'trusted-public-keys',
      keys[cache] as string,
      '--option',
      'require-sigs',
      'true',
    ]);
    return { ...r, store };
  };
  const hashOf = (p: string) => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);
  const narinfo = (cache: string, p: string) => fetch(`${down.url}/${cache}/${hashOf(p)}.narinfo`);
  const roots = async (cache: string, tier: string) => {
    const res = await fetch(`${down.url}/_api/v1/${cache}/roots?tier=${tier}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { roots: { path: string }[] }).roots.map((r) => r.path);
  };

  /** NAR files in the downstream's storage (the other caches' pushes and pulls included). */
  const narFiles = () =>
    readdirSync(join(root, 'down'), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.nar(\.[a-z]+)?$/.test(f))
      .sort();

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-upstream-'));
    nix = NixEnv.create();
    writeFileSync(join(root, 'up.toml'), '[cache.main]\npublic = true\n');
    up = await spawnServer(join(root, 'up'), { LARDER_CONFIG: join(root, 'up.toml') });
    liar = createServer(async (req, res) => {
      const hash = /\/main\/([0-9a-z]{32})\.narinfo$/.exec(req.url ?? '')?.[1] ?? '';
      asked.set(hash, (asked.get(hash) ?? 0) + 1);
      const real = await fetch(`${up.url}/main/${hash}.narinfo`);
      const text = (await real.text()).replace(
        /^URL: (.*)$/m,
        (_, url: string) => `URL: ${up.url}/main/${swapped.get(hash) ?? url}`,
      );
      res.writeHead(real.status, { 'content-type': 'text/x-nix-narinfo' }).end(text);
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    liarUrl = `http://127.0.0.1:${(liar.address() as AddressInfo).port}/main`;
    const wrongKey = nix.generateKey('impostor-1').public;
    const upstream = (key: string, url = `${up.url}/main`) =>
      `[[cache.CACHE.upstream]]\nurl = "${url}/"\npublic_key = "${key}"\n`;
    const cache = (name: string, pull: string, ups: string) =>
      `[cache.${name}]\npublic = true\n${pull}\n${ups.replaceAll('CACHE', name)}`;
    writeFileSync(
      join(root, 'down.toml'),
      [
        cache('skip', '', upstream(up.publicKey)),
        cache('pull', 'pull_through = true', upstream(up.publicKey)),
        cache('redir', 'pull_through = "redirect"', upstream(up.publicKey)),
        // The first upstream signs with another key than the one configured; the second is down.
        cache(
          'bad',
          'pull_through = true',
          upstream(wrongKey) + upstream(up.publicKey, 'http://127.0.0.1:1/main'),
        ),
        cache('liar', 'pull_through = true', upstream(up.publicKey, liarUrl)),
      ].join('\n'),
    );
    down = await spawnServer(join(root, 'down'), { LARDER_CONFIG: join(root, 'down.toml') });
    for (const name of ['skip', 'pull', 'redir', 'bad', 'liar']) {
      const res = await fetch(`${down.url}/_api/v1/caches/${name}`, {
        headers: { authorization: `Bearer ${down.adminToken}` },
      });
      keys[name] = ((await res.json()) as { publicKey: string }).publicKey;
    }
  });
  after(async () => {
    await Promise.all([up?.stop(), down?.stop()]);
    liar?.close();
    nix?.cleanup();
    rmSync(root, { recursive: true, force: true });
    assert.doesNotMatch(up?.stderr() ?? '', / ERROR /);
    assert.doesNotMatch(down?.stderr() ?? '', / ERROR /);
  });

  it('larder push skips what the upstream has, and still uploads what an upload refers to', async () => {
    const a = closure('skip-a');
    assert.equal((await push(up, 'main', [a.top])).uploaded, 2);

    const other = nix.addText(builder(), 'unrelated', 'only here\n');
    const first = await push(down, 'skip', [a.top, other]);
    assert.deepEqual(
      { uploaded: first.uploaded, upstream: first.upstream, skipped: first.skipped },
      { uploaded: 1, upstream: 2, skipped: 2 },
    );
    assert.equal((await narinfo('skip', a.top)).status, 404, 'skipped, so not stored');
    assert.equal((await narinfo('skip', other)).status, 200);

    // A new path on top of an upstream path: the reference must be in the cache for the
    // narinfo to be accepted, so it is uploaded too and the push succeeds.
    const expr = nix.busyboxDrv('above-a', '$bb mkdir -p $out; echo $dep0 > $out/ref', [
      `builtins.storePath "${a.paths.find((p) => p.includes('base-skip-a'))}"`,
    ]);
    const above = nix.build(builder(), expr).trim();
    const second = await push(down, 'skip', [above]);
    assert.deepEqual(
      { uploaded: second.uploaded, upstream: second.upstream },
      { uploaded: 2, upstream: 0 },
    );
    const got = substitute('skip', above);
    assert.equal(got.code, 0, got.stderr);
  });

  it('asks the upstream once per path and remembers the answer', async () => {
    const h = closure('asked-h');
    await push(up, 'main', [h.top]);
    for (let i = 0; i < 2; i++) {
      const r = await push(down, 'liar', [h.top]);
      assert.deepEqual(
        { uploaded: r.uploaded, upstream: r.upstream },
        { uploaded: 0, upstream: 2 },
      );
    }
    assert.deepEqual(
      h.paths.map((p) => asked.get(hashOf(p))),
      [1, 1],
    );
  });

  it('pull-through: Nix gets a path only the upstream had, and the cache keeps it as tier 3', async () => {
    const b = closure('pull-b');
    await push(up, 'main', [b.top]);
    assert.equal((await narinfo('pull', b.top)).status, 200);
    const got = substitute('pull', b.top);
    assert.equal(got.code, 0, got.stderr);
    const have = nix.run(['nix-store', '--store', got.store, '-qR', b.top]).trim().split('\n');
    assert.deepEqual(have.sort(), b.paths);
    nix.run(['nix-store', '--store', got.store, '--verify-path', b.top]);
    assert.ok((await roots('pull', '3')).includes(b.top), 'stored as a tier-3 root');
    assert.deepEqual(await roots('pull', '1,2'), []);

    // The stored copy is the cache's own: its NAR is served by the cache, not the upstream.
    const text = await (await narinfo('pull', b.top)).text();
    const url = /^URL: (.*)$/m.exec(text)?.[1] ?? '';
    assert.match(url, /^nar\//);
    assert.equal((await fetch(`${down.url}/pull/${url}`)).status, 200);
  });

  it('pull-through: a push skips every upstream path, the server pulls what uploads refer to', async () => {
    const f = closure('pull-f');
    await push(up, 'main', [f.top]);
    const expr = nix.busyboxDrv('above-f', '$bb mkdir -p $out; echo $dep0 > $out/ref', [
      `builtins.storePath "${f.top}"`,
    ]);
    const above = nix.build(builder(), expr).trim();
    const pushed = await push(down, 'pull', [above]);
    assert.deepEqual(
      { uploaded: pushed.uploaded, upstream: pushed.upstream },
      { uploaded: 1, upstream: 2 },
    );
    assert.equal((await narinfo('pull', f.top)).status, 200);
    const got = substitute('pull', above);
    assert.equal(got.code, 0, got.stderr);
    nix.run(['nix-store', '--store', got.store, '--verify-path', f.top]);
  });

  it('pull-through: concurrent misses for one path fetch it once', async () => {
    const c = closure('pull-c');
    await push(up, 'main', [c.top]);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => narinfo('pull', c.top).then((r) => r.text())),
    );
    assert.equal(new Set(answers).size, 1);
    assert.match(answers[0] as string, /^StorePath: /);
    const pulled = down
      .stderr()
      .split('\n')
      .filter((l) => l.includes(`pulled ${c.top.slice(11)}`));
    assert.equal(pulled.length, 1, down.stderr());
  });

  it('redirect: Nix substitutes with the cache signature while the NAR comes from the upstream', async () => {
    const d = closure('redir-d');
    await push(up, 'main', [d.top]);
    const narsBefore = narFiles();
    const got = substitute('redir', d.top);
    assert.equal(got.code, 0, got.stderr);
    const have = nix.run(['nix-store', '--store', got.store, '-qR', d.top]).trim().split('\n');
    assert.deepEqual(have.sort(), d.paths);
    nix.run(['nix-store', '--store', got.store, '--verify-path', d.top]);

    const text = await (await narinfo('redir', d.top)).text();
    assert.match(text, new RegExp(`^URL: ${up.url}/main/nar/`, 'm'));
    assert.deepEqual(await roots('redir', '1,2,3'), [], 'no path is stored in the index');
    assert.deepEqual(narFiles(), narsBefore, 'the downstream stored no NAR');
  });

  it('an upstream whose signatures do not verify is not trusted: nothing skipped or pulled', async () => {
    const e = closure('bad-e');
    await push(up, 'main', [e.top]);
    const res = await narinfo('bad', e.top);
    assert.equal(res.status, 404);
    assert.match(down.stderr(), new RegExp(`${up.url}/main.*${e.top}.*refused`));
    assert.deepEqual(await roots('bad', '1,2,3'), []);
    const got = substitute('bad', e.top);
    assert.notEqual(got.code, 0, 'nothing to substitute from');

    const pushed = await push(down, 'bad', [e.top]);
    assert.deepEqual(
      { uploaded: pushed.uploaded, upstream: pushed.upstream },
      { uploaded: 2, upstream: 0 },
    );
  });

  it('a NAR that is not the one the upstream signed is refused and not kept', async () => {
    const g = closure('liar-g');
    const other = nix.addText(builder(), 'decoy', 'other bytes\n');
    await push(up, 'main', [g.top, other]);
    const decoyUrl = /^URL: (.*)$/m.exec(
      await (await fetch(`${up.url}/main/${hashOf(other)}.narinfo`)).text(),
    )?.[1];
    swapped.set(hashOf(g.top), decoyUrl as string);
    const before = narFiles();

    assert.equal((await narinfo('liar', g.top)).status, 404);
    assert.match(
      down.stderr(),
      new RegExp(`pull-through of ${hashOf(g.top)} into liar failed.*NarHash`),
    );
    assert.deepEqual(
      await roots('liar', '1,2,3'),
      [g.paths.find((p) => p !== g.top)],
      'only the honest reference was stored',
    );
    const added = narFiles().filter((f) => !before.includes(f));
    assert.equal(added.length, 1, `only the reference's NAR: ${added.join(', ')}`);
    assert.ok(!added[0]?.includes(decoyUrl?.slice(4, 56) as string));
  });
});
