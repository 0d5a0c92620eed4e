import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunReport } from '../../src/build/index.ts';
import { parseDryRun } from '../../src/client/pull-plan.ts';
import { runLarder } from '../helpers/cli.ts';
import { NixEnv, requireNix } from '../helpers/nix-env.ts';
import { type ServerProcess, spawnServer } from '../helpers/process-server.ts';
import { writeGraph } from './fixture.ts';

const MIB = 2 ** 20;

interface PlanJson {
  build: number;
  fetch: number;
  downloadBytes: number;
  unpackedBytes: number;
  hitRate: number;
  bySubstituter: { url: string; paths: number; downloadBytes: number; unpackedBytes: number }[];
  builds: { name: string }[];
}

describe('larder plan and build against real substituters', { skip: requireNix() }, () => {
  let root: string;
  let nix: NixEnv;
  let server: ServerProcess;
  let file: string;
  let fileCache: string;
  let consumerEnv: Record<string, string>;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'larder-build-subst-'));
    nix = NixEnv.create();
    server = await spawnServer(join(root, 'data'));
    const netrc = join(root, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1 login larder password ${server.adminToken}\n`, {
      mode: 0o600,
    });
    file = writeGraph(nix, join(root, 'graph.nix'), [
      // In the larder cache: two libraries of some size.
      {
        id: 'libA',
        name: 'liba-1.0',
        script: 'dd if=/dev/urandom of=$out bs=1k count=700 2>/dev/null; true',
      },
      {
        id: 'libB',
        name: 'libb-2.0',
        script: 'dd if=/dev/urandom of=$out bs=1k count=300 2>/dev/null; true',
      },
      // In a second cache (file://): a tool.
      {
        id: 'tool',
        name: 'tool-3.0',
        script: 'dd if=/dev/urandom of=$out bs=1k count=200 2>/dev/null; true',
      },
      // Nowhere: built here.
      {
        id: 'app',
        name: 'app-1.0',
        script: 'echo $dep0 $dep1 $dep2 > $out; true',
        deps: ['libA', 'libB', 'tool'],
      },
    ]);
    const builder = nix.store('builder');
    const out = (attr: string) =>
      nix.run(['nix-build', '--store', builder, file, '-A', attr, '--no-out-link']).trim();
    const builderEnv = {
      XDG_CACHE_HOME: join(root, 'builder-cache'),
      NIX_CONFIG: `netrc-file = ${netrc}`,
    };
    nix.run(
      ['nix', 'copy', '--store', builder, '--to', `${server.url}/main`, out('libA'), out('libB')],
      {
        env: builderEnv,
      },
    );
    fileCache = join(root, 'file-cache');
    nix.run(['nix', 'copy', '--store', builder, '--to', `file://${fileCache}`, out('tool')], {
      env: builderEnv,
    });
    const key = nix.generateKey('unused');
    consumerEnv = {
      ...nix.env,
      XDG_STATE_HOME: join(root, 'state'),
      LARDER_SERVER: server.url,
      LARDER_TOKEN: server.adminToken,
      NIX_CONFIG: [
        `substituters = ${server.url}/main file://${fileCache}`,
        // The file cache is unsigned: this consumer trusts it on purpose.
        'require-sigs = false',
        `trusted-public-keys = ${server.publicKey} ${key.public}`,
        `netrc-file = ${netrc}`,
      ].join('\n'),
    };
  });
  after(async () => {
    await server.stop();
    nix.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it("plans what Nix's dry run says, split per substituter with exact sizes", async () => {
    const store = nix.store('planner');
    const dry = nix.tryRun(
      [
        'nix-store',
        '--store',
        store,
        '--realise',
        '--dry-run',
        ...lines(
          nix.run(['nix-instantiate', '--store', store, file, '-A', 'app'], { env: consumerEnv }),
        ),
      ],
      { env: consumerEnv },
    );
    const nixSays = parseDryRun(dry.stderr);
    const r = await runLarder(['plan', '-f', file, 'app', '--store', store, '--json'], consumerEnv);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out) as PlanJson;
    assert.deepEqual([plan.build, plan.fetch], [nixSays.build.length, nixSays.fetch.length]);
    assert.deepEqual([plan.build, plan.fetch], [1, 3]);
    assert.equal(plan.hitRate, 0.75);
    assert.deepEqual(
      plan.bySubstituter.map((s) => [s.url, s.paths]),
      [
        [`${server.url}/main`, 2],
        [`file://${fileCache}`, 1],
      ],
    );
    // The split adds up to Nix's own totals, which Nix prints rounded to 0.01 MiB.
    const sum = (k: 'downloadBytes' | 'unpackedBytes') =>
      plan.bySubstituter.reduce((n, s) => n + s[k], 0);
    assert.equal((sum('downloadBytes') / MIB).toFixed(2), (nixSays.downloadBytes / MIB).toFixed(2));
    assert.equal((sum('unpackedBytes') / MIB).toFixed(2), (nixSays.unpackedBytes / MIB).toFixed(2));
    assert.deepEqual(
      plan.builds.map((b) => b.name),
      ['app-1.0'],
    );

    const text = await runLarder(['plan', '-f', file, 'app', '--store', store], consumerEnv);
    assert.match(text.out, /1 derivation\(s\) to build, 3 path\(s\) to fetch \(/);
    assert.match(text.out, new RegExp(`from ${server.url}/main: 2 path\\(s\\)`));
  });

  it('fetches, builds the rest, pushes it with its build time, and tells the cache what it used', async () => {
    const store = nix.store('runner');
    const r = await runLarder(
      ['build', '-f', file, 'app', '--store', store, '--push', 'main', '--json'],
      consumerEnv,
    );
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(r.out) as RunReport;
    assert.equal(report.fetched.paths, 3);
    assert.ok(report.fetched.ok);
    assert.deepEqual(
      report.built.map((b) => b.name),
      ['app-1.0'],
    );
    assert.equal(report.pushed?.errors.length, 0);
    assert.ok((report.pushed?.paths ?? 0) >= 2, 'app and the tool it references');
    assert.deepEqual(report.liveness, [{ cache: 'main', paths: 2 }]);
    const appOut = lines(
      nix.run([
        'nix-store',
        '--store',
        store,
        '-q',
        '--outputs',
        ...lines(
          nix.run(['nix-instantiate', '--store', store, file, '-A', 'app'], { env: consumerEnv }),
        ),
      ]),
    )[0] as string;
    const hash = appOut.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const res = await fetch(`${server.url}/main/${hash}.narinfo`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    assert.equal(res.status, 200, 'the build result is in the cache');
    const roots = (await (
      await fetch(`${server.url}/_api/v1/main/roots`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      })
    ).json()) as { roots: { path: string; rebuildEstimated: boolean }[] };
    const appRoot = roots.roots.find((x) => x.path === appOut);
    assert.ok(appRoot, JSON.stringify(roots));
    assert.equal(appRoot.rebuildEstimated, false, 'pushed with its measured build seconds');
  });
});

const lines = (s: string) => s.split('\n').filter(Boolean);
