import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import type { MetadataIndex, PathRecord, RetentionRow } from '../../src/index/index.ts';
import { openPostgresIndex } from '../../src/index/postgres.ts';
import { openSqliteIndex } from '../../src/index/sqlite.ts';
import { fakeNar, fakePathRecord } from '../helpers/index-records.ts';
import { freePort, requirePostgres, startPostgres } from '../helpers/postgres.ts';
import { fakeStorePath } from '../helpers/upload.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
// Closed after each test, passed or failed: an open pool would keep the process alive.
const opened: MetadataIndex[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((i) => i.close()));
});
const track = (xs: MetadataIndex[]) => {
  opened.push(...xs);
  return xs;
};

/** Opens `n` connections to one fresh database: what two replicas (or workers) share. */
const kinds: { name: string; skip: string | false; open(n: number): Promise<MetadataIndex[]> }[] = [
  {
    name: 'sqlite',
    skip: false,
    async open(n) {
      const dir = mkdtempSync(join(tmpdir(), 'larder-idx-'));
      dirs.push(dir);
      return track(Array.from({ length: n }, () => openSqliteIndex(join(dir, 'larder.db'))));
    },
  },
  {
    name: 'postgres',
    skip: requirePostgres(),
    async open(n) {
      const url = await (await startPostgres()).createDatabase();
      return track(Array.from({ length: n }, () => openPostgresIndex(url, 4)));
    },
  },
];

const nar = fakeNar;
/** What the server renders is its business: here each path renders as its name. */
const render = (p: PathRecord) => Buffer.from(p.baseName);
const pathOf = fakePathRecord;
const cache = {
  name: 'main',
  public: false,
  priority: 30,
  quota: 5 * 2 ** 30,
  secretKey: 'k:s',
  publicKey: 'k:p',
  createdAt: 1,
};

/** Stores a path with its NAR in `main`. */
async function add(index: MetadataIndex, name: string, refs: PathRecord[] = []) {
  const n = nar();
  await index.addNar('main', n, 1000);
  const p = pathOf(
    name,
    n,
    refs.map((r) => r.baseName),
  );
  assert.deepEqual(await index.insertPath('main', p), { ok: true, created: true });
  return p;
}

const eviction = (root: PathRecord, paths: PathRecord[]) => ({
  root: root.baseName,
  tier: 2,
  reason: 'quota',
  hashParts: paths.map((p) => p.hashPart),
  bytes: paths.length * 1000,
});

for (const kind of kinds) {
  describe(`metadata index contract: ${kind.name}`, { skip: kind.skip }, () => {
    it('keeps caches and numbers exactly (quota above 4 GiB, nulls as undefined)', async () => {
      const [index] = (await kind.open(1)) as [MetadataIndex];
      assert.equal(await index.createCache(cache), true);
      assert.equal(await index.createCache({ ...cache, publicKey: 'other' }), false);
      assert.deepEqual(await index.getCache('main'), cache);
      const upd = await index.updateCache('main', { quota: undefined, public: true });
      assert.deepEqual(await index.getCache('main'), { ...cache, quota: undefined, public: true });
      assert.deepEqual(upd, await index.getCache('main'));
    });

    it('checks the closure atomically and refuses a changed narinfo', async () => {
      const [index] = (await kind.open(1)) as [MetadataIndex];
      await index.createCache(cache);
      const dep = await add(index, 'dep');
      const ghost = fakeStorePath('ghost');
      const n = nar();
      await index.addNar('main', n, 1000);
      const p = pathOf('top', n, [dep.baseName, ghost.baseName]);
      assert.deepEqual(await index.insertPath('main', p), { ok: false, missing: [ghost.baseName] });
      const ok = pathOf('top', n, [dep.baseName]);
      assert.deepEqual(await index.insertPath('main', ok), { ok: true, created: true });
      const again = { ...ok, sigs: ['client:sig'] };
      assert.deepEqual(await index.insertPath('main', again), { ok: true, created: false });
      assert.deepEqual((await index.getPath('main', ok.hashPart))?.sigs, ['client:sig']);
      const changed = { ...ok, nar: { ...n, narHash: 'z'.repeat(52) } };
      const r = await index.insertPath('main', changed);
      assert.equal(r.ok, false);
      assert.ok('conflict' in r);
      assert.deepEqual(await index.missingPaths('main', [dep.hashPart, ghost.hashPart]), [
        ghost.hashPart,
      ]);
    });

    it('evicts a root once, even when two connections carry out the same plan at once', async () => {
      const [a, b] = (await kind.open(2)) as [MetadataIndex, MetadataIndex];
      await a.createCache(cache);
      const roots: PathRecord[] = [];
      for (let i = 0; i < 20; i++) {
        const lib = await add(a, `lib-${i}`);
        roots.push(await add(a, `app-${i}`, [lib]), lib);
      }
      const plan = [];
      for (let i = 0; i < roots.length; i += 2)
        plan.push(
          eviction(roots[i] as PathRecord, [roots[i] as PathRecord, roots[i + 1] as PathRecord]),
        );
      const [ra, rb] = await Promise.all([
        a.evict('main', plan, 2000, 0),
        b.evict('main', plan, 2000, 0),
      ]);
      assert.equal(ra.done.length + rb.done.length, 20, 'each root evicted by exactly one');
      assert.equal(ra.skipped.length + rb.skipped.length, 20);
      assert.equal((await a.countPaths('main')).paths, 0);
      assert.equal((await a.recentEvictions('main', 100)).length, 20);
    });

    it('keeps each cache’s path count and NAR bytes through pushes, evictions and deletion', async () => {
      const [a, b] = (await kind.open(2)) as [MetadataIndex, MetadataIndex];
      await a.createCache(cache);
      await a.createCache({ ...cache, name: 'other' });
      const base = await add(a, 'base');
      const top = await add(b, 'top', [base]);
      // The same NAR in a second path of the same cache counts again, as the sum did.
      const twin = pathOf('twin', base.nar);
      assert.deepEqual(await a.insertPath('main', twin), { ok: true, created: true });
      // Pushing a path again changes nothing.
      assert.deepEqual(await b.insertPath('main', top), { ok: true, created: false });
      const n = nar();
      await a.addNar('other', { ...n, fileSize: 7 }, 1000);
      await a.insertPath('other', pathOf('elsewhere', { ...n, fileSize: 7 }));
      assert.deepEqual(await b.countPaths('main'), { paths: 3, narBytes: 3000 });
      assert.deepEqual(await a.countPaths('other'), { paths: 1, narBytes: 7 });
      const { done } = await b.evict('main', [eviction(top, [top])], 2000, 0);
      assert.equal(done.length, 1);
      assert.deepEqual(await a.countPaths('main'), { paths: 2, narBytes: 2000 });
      // Enough pushes for PostgreSQL's rows of changes to be folded, and after the fold.
      for (let i = 0; i < 510; i++) await add(i % 2 ? a : b, `many-${i}`);
      assert.deepEqual(await a.countPaths('main'), { paths: 512, narBytes: 512_000 });
      assert.deepEqual(await b.countPaths('main'), { paths: 512, narBytes: 512_000 });
      await add(a, 'after-fold');
      assert.deepEqual(await b.countPaths('main'), { paths: 513, narBytes: 513_000 });
      assert.equal(await a.deleteCache('main'), true);
      assert.deepEqual(await b.countPaths('main'), { paths: 0, narBytes: 0 });
      await b.createCache(cache);
      assert.deepEqual(await a.countPaths('main'), { paths: 0, narBytes: 0 });
      assert.deepEqual(await a.countPaths('other'), { paths: 1, narBytes: 7 });
    });

    it('streams the retention view in batches, by hash part, row for row', async () => {
      const [index] = (await kind.open(1)) as [MetadataIndex];
      await index.createCache(cache);
      await index.createCache({ ...cache, name: 'other' });
      const base = await add(index, 'base');
      for (let i = 0; i < 1100; i++) await add(index, `p-${i}`, i % 3 ? [base] : []);
      const n = nar();
      await index.addNar('other', n, 1000);
      await index.insertPath('other', pathOf('elsewhere', n));
      const batches: RetentionRow[][] = [];
      for await (const b of index.retentionRows('main')) batches.push(b);
      assert.ok(batches.length > 1, 'more than one batch');
      assert.ok(batches.every((b) => b.length > 0 && b.length <= 1000));
      const streamed = batches.flat();
      const whole = await index.retentionView('main');
      assert.equal(streamed.length, 1101);
      assert.deepEqual(
        streamed.map((r) => r.hashPart),
        whole.map((r) => r.hashPart).sort(),
      );
      assert.deepEqual(
        streamed,
        [...whole].sort((x, y) => (x.hashPart < y.hashPart ? -1 : 1)),
      );
    });

    it('skips an eviction a push made unsafe, and never leaves a hole', async () => {
      const [index] = (await kind.open(1)) as [MetadataIndex];
      await index.createCache(cache);
      const lib = await add(index, 'lib');
      const app = await add(index, 'app', [lib]);
      const late = await add(index, 'late', [lib]);
      const r = await index.evict('main', [eviction(app, [app, lib])], 2000, 0);
      assert.equal(r.skipped.length, 1);
      assert.ok(await index.getPath('main', lib.hashPart), 'lib is still referenced by late');
      assert.ok(await index.getPath('main', late.hashPart));
    });

    it('keeps a claimed NAR from the sweeper in another connection; a re-upload cancels the deletion', async () => {
      const [a, b] = (await kind.open(2)) as [MetadataIndex, MetadataIndex];
      await a.createCache(cache);
      const p = await add(a, 'evicted');
      await a.evict('main', [eviction(p, [p])], 2000, 100);
      assert.deepEqual(await a.dueNarDeletions(2050), []);
      assert.deepEqual(await a.dueNarDeletions(2100), [
        { cache: 'main', fileHash: p.nar.fileHash },
      ]);
      // An upload in "another replica" is about to reuse the file.
      assert.deepEqual(await b.claimNar('up-1', p.nar.fileHash, 9000), p.nar);
      assert.equal(await a.finishNarDeletion('main', p.nar.fileHash, 2100), undefined);
      assert.deepEqual(await a.dueNarDeletions(2100), [], 'postponed to the end of the claim');
      await b.releaseNar('up-1');
      assert.deepEqual(await a.dueNarDeletions(9000), [
        { cache: 'main', fileHash: p.nar.fileHash },
      ]);
      const [first, second] = await Promise.all([
        a.finishNarDeletion('main', p.nar.fileHash, 9000),
        b.finishNarDeletion('main', p.nar.fileHash, 9000),
      ]);
      assert.deepEqual([first, second].filter(Boolean), [p.nar], 'one of two sweepers deletes it');
      assert.equal(await b.claimNar('up-2', p.nar.fileHash, 20_000), undefined);
      await b.releaseNar('up-2');

      const q = await add(a, 'again');
      await a.evict('main', [eviction(q, [q])], 3000, 100);
      await b.addNar('main', q.nar, 3050);
      assert.deepEqual(await a.dueNarDeletions(10_000), [], 'uploaded again: not deleted');
      assert.deepEqual(await a.getCacheNar('main', q.nar.fileHash), q.nar);
    });

    it('forgets a token, cache or path that another connection changed', async () => {
      const [a, b] = (await kind.open(2)) as [MetadataIndex, MetadataIndex];
      await a.createCache(cache);
      const p = await add(a, 'memo');
      const token = {
        id: 't1',
        hash: 'h'.repeat(64),
        description: '',
        grants: [{ cache: '*', scopes: ['pull' as const] }],
        createdAt: 1,
        expiresAt: undefined,
        revokedAt: undefined,
      };
      await a.createToken(token);
      // Read twice through b: the second answer may come from b's memo.
      for (let i = 0; i < 2; i++) {
        assert.equal((await b.getTokenByHash(token.hash))?.revokedAt, undefined);
        assert.equal((await b.getCache('main'))?.public, false);
        assert.ok(await b.getPath('main', p.hashPart));
        assert.equal((await b.renderedPath('main', p.hashPart, render))?.toString(), p.baseName);
      }
      await a.revokeToken('t1', 5);
      await a.updateCache('main', { public: true });
      await a.evict('main', [eviction(p, [p])], 2000, 0);
      // SQLite sees it on the next read; PostgreSQL once b's LISTEN connection has heard.
      const until = Date.now() + 10_000;
      const seen = async () =>
        (await b.getTokenByHash(token.hash))?.revokedAt === 5 &&
        (await b.getCache('main'))?.public === true &&
        (await b.getPath('main', p.hashPart)) === undefined &&
        (await b.renderedPath('main', p.hashPart, render)) === undefined;
      while (!(await seen()) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.ok(await seen(), 'b still answers from before the change');
    });

    it('forgets paths another connection evicted, and sees them pushed again', async () => {
      const [a, b] = (await kind.open(2)) as [MetadataIndex, MetadataIndex];
      await a.createCache(cache);
      const gone = await add(a, 'gone');
      const kept = await add(a, 'kept');
      for (let i = 0; i < 2; i++) {
        assert.ok(await b.getPath('main', gone.hashPart));
        assert.ok(await b.renderedPath('main', gone.hashPart, render));
        assert.ok(await b.renderedPath('main', kept.hashPart, render));
      }
      // An eviction alone, as the planning thread's: no other change goes with it.
      await a.evict('main', [eviction(gone, [gone])], 2000, 0);
      const until = Date.now() + 10_000;
      const wait = async (done: () => Promise<boolean>, why: string) => {
        while (!(await done()) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        assert.ok(await done(), why);
      };
      await wait(
        async () =>
          (await b.getPath('main', gone.hashPart)) === undefined &&
          (await b.renderedPath('main', gone.hashPart, render)) === undefined,
        'b still serves the evicted path',
      );
      assert.ok(
        await b.renderedPath('main', kept.hashPart, render),
        'b lost a path nobody evicted',
      );
      assert.deepEqual(await a.insertPath('main', gone), { ok: true, created: true });
      await wait(
        async () =>
          (await b.getPath('main', gone.hashPart)) !== undefined &&
          (await b.renderedPath('main', gone.hashPart, render))?.toString() === gone.baseName,
        'b does not see the path pushed again',
      );
    });

    it('counts every use and sums traffic from several connections', async () => {
      const [a, b] = (await kind.open(2)) as [MetadataIndex, MetadataIndex];
      await a.createCache(cache);
      const p = await add(a, 'used');
      await a.recordUse('main', new Map([[p.hashPart, 2]]), new Map([[p.nar.fileHash, 1]]), 5000);
      await b.recordUse('main', new Map([[p.hashPart, 1]]), new Map(), 6000);
      const row = (await a.retentionView('main')).find((r) => r.hashPart === p.hashPart);
      assert.equal(row?.hits, 4);
      assert.equal(row?.lastAccess, 6000);
      await a.recordTraffic('main', 7, { hits: 2, misses: 1, bytesOut: 10 });
      await b.recordTraffic('main', 7, { hits: 1, misses: 0, bytesOut: 5 });
      assert.deepEqual(await b.traffic('main', 0), [
        { minute: 7, hits: 3, misses: 1, bytesOut: 15 },
      ]);
      assert.equal(await a.pin('main', p.hashPart, 1), true);
      const pinned = (await b.retentionView('main'))[0];
      assert.equal(pinned?.pinned, true);
      assert.equal(pinned?.tier, 1);
      assert.equal(await b.deleteCache('main'), true);
      assert.equal(await a.getCache('main'), undefined);
      assert.deepEqual(await a.traffic('main', 0), []);
    });
  });
}

describe('PostgreSQL startup', { skip: requirePostgres() }, () => {
  it('migrates once when several replicas start at the same moment', async () => {
    const url = await (await startPostgres()).createDatabase();
    const many = track(Array.from({ length: 4 }, () => openPostgresIndex(url, 2)));
    const answers = await Promise.all(many.map((i) => i.createCache(cache)));
    assert.deepEqual(answers.sort(), [false, false, false, true]);
    for (const i of many) assert.deepEqual(await i.getCache('main'), cache);
  });

  it('says which server it cannot reach', async () => {
    const port = await freePort();
    const [index] = track([
      openPostgresIndex(`postgres://larder:secret@127.0.0.1:${port}/larder`, 1),
    ]) as [MetadataIndex];
    await assert.rejects(index.listCaches(), (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`PostgreSQL at larder@127\\.0\\.0\\.1:${port}/larder: .*ECONNREFUSED`),
      );
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  });
});
