import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseNarInfo } from '../../src/nix/index.ts';
import { sweepNars } from '../../src/retention/index.ts';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

const KB = 1024;

describe('tiers, quota and eviction', () => {
  let s: TestServer;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(
      `${s.url}${path}`,
      authed(s.adminToken, { method, body: body === undefined ? undefined : JSON.stringify(body) }),
    );
  const push = async (
    cache: string,
    u: Upload,
    refs: Upload[] = [],
    headers: Record<string, string> = {},
  ) => {
    const nar = await fetch(
      `${s.url}/${cache}/nar/${u.fileName}`,
      authed(s.adminToken, { method: 'PUT', body: u.file }),
    );
    assert.equal(nar.status, 201);
    return fetch(
      `${s.url}/${cache}/${u.hashPart}.narinfo`,
      authed(s.adminToken, {
        method: 'PUT',
        body: u.narinfo(
          {},
          refs.map((r) => r.baseName),
        ),
        headers,
      }),
    );
  };
  const has = async (cache: string, u: Upload) =>
    (await fetch(`${s.url}/${cache}/${u.hashPart}.narinfo`, authed(s.adminToken))).status === 200;
  const blob = (name: string) => makeUpload(name, randomBytes(100 * KB), 'none');
  /** Every narinfo the cache serves has its NAR and all its references. */
  const assertClosed = async (cache: string, uploads: Upload[]) => {
    for (const u of uploads) {
      const res = await fetch(`${s.url}/${cache}/${u.hashPart}.narinfo`, authed(s.adminToken));
      if (res.status !== 200) continue;
      const info = parseNarInfo(await res.text());
      assert.equal(
        (await fetch(`${s.url}/${cache}/${info.url}`, authed(s.adminToken, { method: 'HEAD' })))
          .status,
        200,
      );
      for (const r of info.references) {
        const ref = await fetch(
          `${s.url}/${cache}/${r.slice(0, 32)}.narinfo`,
          authed(s.adminToken, { method: 'HEAD' }),
        );
        assert.equal(ref.status, 200, `${info.storePath} is served but its reference ${r} is not`);
      }
    }
  };

  before(async () => {
    s = await startServer({ LARDER_UPLOAD_GRACE: '0s', LARDER_NAR_GRACE: '10m' });
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('evicts the lowest-value tier-2 root to stay under the quota, never tier 1, never leaving holes', async () => {
    assert.equal(
      (await api('POST', '/_api/v1/caches', { name: 'q1', quota: 450 * KB })).status,
      201,
    );
    const glibc = await blob('glibc-2.39');
    const python = await blob('python3-3.12');
    const ripgrep = await blob('ripgrep-14');
    const rustc = await blob('rustc-1.80');
    assert.equal((await push('q1', glibc)).status, 201);
    assert.equal(
      (
        await push('q1', python, [glibc], {
          'x-larder-tier': '1',
          'x-larder-build-seconds': '5400',
        })
      ).status,
      201,
    );
    assert.equal(
      (await push('q1', ripgrep, [glibc], { 'x-larder-build-seconds': '40' })).status,
      201,
    );
    assert.equal(
      (await push('q1', rustc, [glibc], { 'x-larder-build-seconds': '3600' })).status,
      201,
    );
    // 4 × 100 KiB stored; one more does not fit.
    const jq = await blob('jq-1.7');
    assert.equal((await push('q1', jq, [], { 'x-larder-build-seconds': '5000' })).status, 201);
    assert.equal(await has('q1', ripgrep), false, 'the cheap root went');
    for (const u of [glibc, python, rustc, jq]) assert.ok(await has('q1', u), u.baseName);
    await assertClosed('q1', [glibc, python, ripgrep, rustc, jq]);
    const stats = (await (await api('GET', '/_api/v1/q1/stats')).json()) as {
      totalBytes: number;
      bytesPerTier: Record<string, number>;
      recentEvictions: { baseName: string }[];
    };
    assert.ok(stats.totalBytes <= 450 * KB);
    assert.ok((stats.bytesPerTier['1'] ?? 0) > 200 * KB, 'python3 and glibc are tier 1');
    assert.equal(stats.recentEvictions[0]?.baseName, ripgrep.baseName);
  });

  it('refuses with 507 when tier 1 alone would not fit, losing nothing', async () => {
    assert.equal(
      (await api('POST', '/_api/v1/caches', { name: 'q2', quota: 250 * KB })).status,
      201,
    );
    const a = await blob('llvm-18');
    const b = await blob('gcc-13');
    assert.equal((await push('q2', a, [], { 'x-larder-tier': '1' })).status, 201);
    assert.equal((await push('q2', b, [], { 'x-larder-tier': '1' })).status, 201);
    const c = await blob('nodejs-22');
    const refused = await push('q2', c, [], { 'x-larder-tier': '1' });
    assert.equal(refused.status, 507);
    const msg = ((await refused.json()) as { message: string }).message;
    assert.match(msg, /quota of 250(\.0)? KiB/);
    assert.match(msg, /tier-1 content alone would take 3\d\d(\.\d)? KiB/);
    assert.match(msg, /llvm-18|gcc-13/);
    assert.ok(await has('q2', a));
    assert.ok(await has('q2', b));
    assert.equal(await has('q2', c), false);
  });

  it('keeps an evicted NAR downloadable for the grace period, then deletes it', async () => {
    assert.equal(
      (await api('POST', '/_api/v1/caches', { name: 'q3', quota: 150 * KB })).status,
      201,
    );
    const old = await blob('old-1');
    assert.equal((await push('q3', old)).status, 201);
    const info = parseNarInfo(
      await (await fetch(`${s.url}/q3/${old.hashPart}.narinfo`, authed(s.adminToken))).text(),
    );
    const next = await blob('new-1');
    assert.equal((await push('q3', next)).status, 201);
    assert.equal(await has('q3', old), false);
    const during = await fetch(`${s.url}/q3/${info.url}`, authed(s.adminToken));
    assert.equal(during.status, 200, 'a substitution that already has the narinfo still finishes');
    assert.deepEqual(Buffer.from(await during.arrayBuffer()), old.file);
    const deps = s.app.deps;
    assert.equal(
      await sweepNars({ ...deps, now: () => Date.now() }),
      0,
      'nothing is deleted within the grace period',
    );
    assert.ok((await sweepNars({ ...deps, now: () => Date.now() + 11 * 60_000 })) >= 1);
    assert.equal((await fetch(`${s.url}/q3/${info.url}`, authed(s.adminToken))).status, 404);
  });

  it('shows the plan with --dry-run, runs it, and respects pins', async () => {
    assert.equal((await api('POST', '/_api/v1/caches', { name: 'q4' })).status, 201);
    const keep = await blob('keep-me');
    const drop = await blob('drop-me');
    assert.equal((await push('q4', keep)).status, 201);
    assert.equal((await push('q4', drop)).status, 201);
    const pin = await api('POST', '/_api/v1/q4/pin', { path: keep.storePath, tier: 1 });
    assert.equal(pin.status, 200);
    assert.equal((await api('PATCH', '/_api/v1/caches/q4', { quota: 150 * KB })).status, 200);
    const dry = (await (await api('POST', '/_api/v1/q4/gc', { dryRun: true })).json()) as {
      evictions: { root: string; bytesFreed: number; value: number; reason: string }[];
    };
    assert.deepEqual(
      dry.evictions.map((e) => e.root),
      [drop.baseName],
    );
    assert.equal(dry.evictions[0]?.reason, 'quota');
    const counted = (await (
      await api('POST', '/_api/v1/q4/gc', { dryRun: true, limit: 0 })
    ).json()) as { evictions: unknown[]; evictionCount: number; pathCount: number };
    assert.deepEqual(
      [counted.evictions.length, counted.evictionCount, counted.pathCount],
      [0, 1, 1],
      'totals cover every root even when none is listed',
    );
    assert.equal((await api('POST', '/_api/v1/q4/gc', { limit: -1 })).status, 400);
    assert.ok(await has('q4', drop), 'a dry run changes nothing');
    const run = await api('POST', '/_api/v1/q4/gc', {});
    assert.equal(run.status, 200);
    assert.equal(await has('q4', drop), false);
    assert.ok(await has('q4', keep));
    const metrics = await (await api('GET', '/metrics')).text();
    assert.match(metrics, /larder_evictions_total\{cache="q4",tier="2",reason="quota"\} 1\n/);
    assert.match(
      metrics,
      new RegExp(`larder_evicted_bytes_total\\{cache="q4"\\} ${drop.file.length}\\n`),
    );
  });

  it('counts downloads and liveness touches as use', async () => {
    assert.equal((await api('POST', '/_api/v1/caches', { name: 'q5' })).status, 201);
    const used = await blob('used-1');
    const idle = await blob('idle-1');
    assert.equal((await push('q5', used)).status, 201);
    assert.equal((await push('q5', idle)).status, 201);
    await fetch(`${s.url}/q5/${used.hashPart}.narinfo`, authed(s.adminToken));
    await fetch(`${s.url}/q5/${(await blob('absent')).hashPart}.narinfo`, authed(s.adminToken));
    assert.equal((await api('POST', '/_api/v1/q5/touch', { paths: [used.storePath] })).status, 200);
    const stats = (await (await api('GET', '/_api/v1/q5/stats')).json()) as {
      hits: number;
      misses: number;
      hitRate: number;
      nextToEvict: { path: string }[];
    };
    assert.deepEqual([stats.hits, stats.misses, stats.hitRate], [1, 1, 0.5]);
    assert.equal(stats.nextToEvict[0]?.path, idle.baseName, 'the unused root goes first');
  });
  it('lists roots by tier for pull --tier', async () => {
    assert.equal((await api('POST', '/_api/v1/caches', { name: 'q6' })).status, 201);
    const base = await blob('base-lib');
    const one = await blob('python3-x');
    const two = await blob('tool-x');
    assert.equal((await push('q6', base)).status, 201);
    assert.equal((await push('q6', one, [base], { 'x-larder-tier': '1' })).status, 201);
    assert.equal((await push('q6', two, [base])).status, 201);
    const r = (await (await api('GET', '/_api/v1/q6/roots?tier=1')).json()) as {
      roots: { path: string; tier: number; rebuildSeconds: number }[];
    };
    assert.deepEqual(r.roots, [
      {
        path: one.storePath,
        tier: 1,
        closureBytes: one.file.length + base.file.length,
        // No build seconds were pushed: estimated from size (see the value formula).
        rebuildSeconds: r.roots[0]?.rebuildSeconds,
        rebuildEstimated: true,
      },
    ]);
    assert.ok((r.roots[0]?.rebuildSeconds ?? 0) > 0);
    const all = (await (await api('GET', '/_api/v1/q6/roots?tier=1,2')).json()) as {
      roots: { path: string }[];
    };
    assert.deepEqual(all.roots.map((x) => x.path).sort(), [one.storePath, two.storePath].sort());
    assert.equal((await api('GET', '/_api/v1/q6/roots?tier=7')).status, 400);
  });

  it('serves every narinfo it hands out, NAR included, while pushes evict concurrently', async () => {
    assert.equal(
      (await api('POST', '/_api/v1/caches', { name: 'busy', quota: 400 * KB })).status,
      201,
    );
    const uploads: Upload[] = [];
    for (let i = 0; i < 24; i++)
      uploads.push(await makeUpload(`churn-${i}`, randomBytes(60 * KB), 'none'));
    let failures = 0;
    let served = 0;
    let pushing = true;
    const pusher = (async () => {
      for (const u of uploads) assert.equal((await push('busy', u)).status, 201);
      pushing = false;
    })();
    const reader = async () => {
      while (pushing) {
        for (const u of uploads) {
          const info = await fetch(`${s.url}/busy/${u.hashPart}.narinfo`, authed(s.adminToken));
          if (info.status !== 200) continue;
          const url = parseNarInfo(await info.text()).url;
          const nar = await fetch(`${s.url}/busy/${url}`, authed(s.adminToken));
          const body = Buffer.from(await nar.arrayBuffer());
          served++;
          if (nar.status !== 200 || !body.equals(u.file)) failures++;
        }
      }
    };
    await Promise.all([pusher, reader(), reader()]);
    assert.equal(failures, 0);
    assert.ok(served > 0);
    await assertClosed('busy', uploads);
    const stats = (await (await api('GET', '/_api/v1/busy/stats')).json()) as {
      totalBytes: number;
    };
    assert.ok(stats.totalBytes <= 400 * KB);
  });
});
