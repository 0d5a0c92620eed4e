import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { openPostgresIndex } from '../../src/index/postgres.ts';
import { LOCK } from '../../src/index/postgres-db.ts';
import { fakeNar, fakePathRecord } from '../helpers/index-records.ts';
import { requirePostgres, startPostgres } from '../helpers/postgres.ts';

test('use counts wait for the cache lock that evictions and pushes hold, so they cannot deadlock with them', {
  skip: requirePostgres(),
}, async () => {
  const url = await (await startPostgres()).createDatabase();
  const index = openPostgresIndex(url, 2);
  const other = new pg.Client({ connectionString: url });
  try {
    await index.createCache({
      name: 'main',
      public: false,
      priority: 30,
      quota: undefined,
      secretKey: 'k:s',
      publicKey: 'k:p',
      createdAt: 1,
    });
    const n = fakeNar();
    await index.addNar('main', n, 1000);
    const p = fakePathRecord('used', n);
    assert.deepEqual(await index.insertPath('main', p), { ok: true, created: true });
    // Another replica in the middle of an eviction batch: it holds the cache's lock.
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK.cache, 'main']);
    let done = false;
    const use = index.recordUse('main', new Map([[p.hashPart, 3]]), new Map(), 5000).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(done, false, 'use counts were written while the cache was locked');
    await other.query('COMMIT');
    await use;
    const row = (await index.retentionView('main')).find((r) => r.hashPart === p.hashPart);
    assert.equal(row?.hits, 3);
  } finally {
    await other.end().catch(() => {});
    await index.close();
  }
});
