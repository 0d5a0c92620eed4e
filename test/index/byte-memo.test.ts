import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteMemo } from '../../src/index/byte-memo.ts';

const bytes = (s: string) => Buffer.from(s);

test('answers what was memoised, a memoised absence, and nothing for the rest', () => {
  const m = new ByteMemo(4096, 16);
  m.set('p:main/aaa', bytes('StorePath: /nix/store/aaa-x\n'));
  m.set('p:main/bbb', null);
  assert.equal(m.get('p:main/aaa')?.toString(), 'StorePath: /nix/store/aaa-x\n');
  assert.equal(m.get('p:main/bbb'), null);
  assert.equal(m.get('p:main/ccc'), undefined);
  assert.equal(m.get('p:other/aaa'), undefined, 'another cache, same hash');
  m.set('p:main/aaa', bytes('second'));
  assert.equal(m.get('p:main/aaa')?.toString(), 'second', 'memoised again: the new bytes');
  m.delete('p:main/aaa');
  assert.equal(m.get('p:main/aaa'), undefined);
  assert.equal(m.size, 1);
  m.clear();
  assert.equal(m.get('p:main/bbb'), undefined);
  assert.equal(m.size, 0);
});

test('a copy is handed out: memoising more cannot change bytes already answered', () => {
  const m = new ByteMemo(1024, 4);
  m.set('k0', bytes('x'.repeat(12)));
  const answer = m.get('k0');
  for (let i = 1; i < 40; i++) m.set(`k${i}`, bytes('y'.repeat(12)));
  assert.equal(answer?.toString(), 'x'.repeat(12));
});

test('dropping an outdated entry of a key keeps its newer one', () => {
  // Entries of 10 + 2 + 68 = 80 bytes: 16 fit in the ring.
  const m = new ByteMemo(1280, 100);
  const v = (s: string) => bytes(s.padEnd(68, '.'));
  m.set('K1', v('old'));
  for (let i = 0; i < 3; i++) m.set(`a${i}`, v('a'));
  m.set('K1', v('new'));
  for (let i = 0; i < 13; i++) m.set(`b${String.fromCharCode(97 + i)}`, v('b'));
  assert.equal(m.get('a0'), undefined, 'the two oldest entries were dropped');
  assert.equal(m.get('a1')?.toString().slice(0, 1), 'a');
  assert.equal(m.get('K1')?.toString().slice(0, 3), 'new');
});

test('refuses keys it could confuse and values too large for the ring', () => {
  const m = new ByteMemo(1600, 16);
  m.set('p:main/é', bytes('latin1 would fold this key'));
  assert.equal(m.get('p:main/é'), undefined);
  m.set('big', Buffer.alloc(200));
  assert.equal(m.get('big'), undefined, 'over a sixteenth of the ring');
  m.set('small', Buffer.alloc(50));
  assert.equal(m.get('small')?.length, 50);
});

test('under random churn it never answers a forgotten or outdated value, and keeps the newest', () => {
  // A small ring and table, so entries wrap round the end and are dropped all the time;
  // a Map is the model of what was last memoised for each key.
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const m = new ByteMemo(3000, 40);
  const model = new Map<string, string | null>();
  const recent: string[] = [];
  for (let step = 0; step < 50_000; step++) {
    const key = `p:main/${rand(120).toString(36)}`;
    const op = rand(100);
    if (op < 55) {
      const value = rand(10) === 0 ? null : `${key}#${step}`.padEnd(rand(120) + 10, '.');
      m.set(key, value === null ? null : bytes(value));
      model.set(key, value);
      recent.push(key);
      assert.equal(m.get(key)?.toString() ?? m.get(key), value, 'the entry just memoised');
    } else if (op < 65) {
      m.delete(key);
      model.delete(key);
    } else if (op === 65) {
      m.clear();
      model.clear();
    } else {
      const got = m.get(key);
      if (got !== undefined) {
        assert.ok(model.has(key), `${key} was forgotten but answered`);
        assert.equal(got === null ? null : got.toString(), model.get(key));
      }
    }
    assert.ok(m.size <= 40);
    // Every key the table counts can be found: a slot moved to the wrong place by a
    // deletion would still be counted, but no lookup would reach it.
    if (step % 10 === 0) {
      let found = 0;
      for (const k of model.keys()) if (m.get(k) !== undefined) found++;
      assert.equal(found, m.size, `step ${step}: ${m.size - found} memoised keys unreachable`);
    }
  }
  // The newest few distinct keys still in the model fit easily: they must all be there.
  const newest = [...new Set(recent.reverse())].filter((k) => model.has(k)).slice(0, 5);
  for (const k of newest) {
    const got = m.get(k);
    assert.equal(got === null ? null : got?.toString(), model.get(k), `${k} is among the newest`);
  }
});

test('keeps every key up to its limit through deletions in the middle of probe runs', () => {
  const m = new ByteMemo(1 << 20, 1000);
  for (let i = 0; i < 1000; i++) m.set(`key-${i}`, bytes(String(i)));
  assert.equal(m.size, 1000);
  for (let i = 0; i < 1000; i += 2) m.delete(`key-${i}`);
  for (let i = 0; i < 1000; i++) {
    assert.equal(m.get(`key-${i}`)?.toString(), i % 2 ? String(i) : undefined);
  }
  for (let i = 1000; i < 1600; i++) m.set(`key-${i}`, bytes(String(i)));
  assert.equal(m.size, 1000, 'the oldest give way at the key limit');
  assert.equal(m.get('key-1599')?.toString(), '1599');
});
