import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteIndex } from '../../src/index/sqlite.ts';

test('a token revoked by another process (cluster worker) is not served from memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'larder-idx-'));
  const a = openSqliteIndex(join(dir, 'larder.db'));
  const b = openSqliteIndex(join(dir, 'larder.db'));
  try {
    await a.createToken({
      id: 't1',
      hash: 'h1',
      description: '',
      grants: [],
      createdAt: 1,
      expiresAt: undefined,
      revokedAt: undefined,
    });
    assert.equal((await b.getTokenByHash('h1'))?.revokedAt, undefined);
    assert.equal((await b.getTokenByHash('h1'))?.revokedAt, undefined, 'now memoised');
    await a.revokeToken('t1', 5);
    // Other processes' writes are noticed within a millisecond (data_version is polled).
    await new Promise((r) => setTimeout(r, 3));
    assert.equal((await b.getTokenByHash('h1'))?.revokedAt, 5);
    // And through the same connection.
    await b.createToken({
      id: 't2',
      hash: 'h2',
      description: '',
      grants: [],
      createdAt: 1,
      expiresAt: undefined,
      revokedAt: undefined,
    });
    assert.equal(await a.getTokenByHash('h3'), undefined);
    await a.createToken({
      id: 't3',
      hash: 'h3',
      description: '',
      grants: [],
      createdAt: 1,
      expiresAt: undefined,
      revokedAt: undefined,
    });
    assert.equal((await a.getTokenByHash('h3'))?.id, 't3', 'a memoised miss is forgotten on write');
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
