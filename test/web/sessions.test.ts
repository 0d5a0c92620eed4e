import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Sessions, sessionCookie, setSessionCookie } from '../../src/web/index.ts';

describe('dashboard sessions', () => {
  it('a code works once and for 5 minutes; a session lasts 12 hours', () => {
    const s = new Sessions();
    const t0 = 1_000_000;
    const code = s.newCode('tok1', t0);
    assert.equal(s.redeem('someone-elses-code', t0), undefined);
    const id = s.redeem(code, t0 + 4 * 60_000) as string;
    assert.equal(s.tokenOf(id, t0 + 11 * 3_600_000), 'tok1');
    assert.equal(s.redeem(code, t0 + 4 * 60_000), undefined, 'used');
    assert.equal(s.tokenOf(id, t0 + 4 * 60_000 + 12 * 3_600_000), undefined, 'session over');
    const late = s.newCode('tok1', t0);
    assert.equal(s.redeem(late, t0 + 5 * 60_000), undefined, 'code expired');
  });

  it('ends a session, and never keeps a usable secret as a key', () => {
    const s = new Sessions();
    const code = s.newCode('tok1', 0);
    const id = s.open('tok2', 0);
    const keys = JSON.stringify(
      [...Object.values(s)].map((m) => [...(m as Map<string, unknown>).keys()]),
    );
    assert.equal(keys.includes(code) || keys.includes(id), false);
    s.end(id);
    assert.equal(s.tokenOf(id, 0), undefined);
  });

  it('reads and writes the cookie', () => {
    assert.equal(sessionCookie('a=1; larder_session=abc_-1; b=2'), 'abc_-1');
    assert.equal(sessionCookie('xlarder_session=abc'), undefined);
    assert.match(setSessionCookie('abc', true), /; Secure; Max-Age=43200$/);
    assert.match(
      setSessionCookie(undefined, false),
      /^larder_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0$/,
    );
  });
});
