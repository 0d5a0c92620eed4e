import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allVars, Catalog } from '../../src/lint/catalog.ts';
import { revision, suggest } from '../../src/lint/index.ts';

const c = new Catalog();
const how = (name: string) => c.lookup(name)?.how;
const first = (name: string) => suggest(name)[0]?.name;
const all = (name: string) => suggest(name).map((s) => s.name);

describe('names the build machinery reads', () => {
  it('knows NIX_CXXSTDLIB_COMPILE (read by cc-wrapper) but not NIX_CXXFLAGS_COMPILE (read by nothing)', () => {
    const info = c.info('NIX_CXXSTDLIB_COMPILE');
    assert.ok(info?.source.includes('pkgs/build-support/cc-wrapper/add-flags.sh'));
    assert.equal(how('NIX_CXXFLAGS_COMPILE'), undefined);
    assert.equal(how('NIX_CXX_COMPILE'), undefined);
    assert.equal(how('NIX_LD_FLAGS'), undefined);
  });

  it('accepts _FOR_BUILD/_FOR_TARGET variants of wrapper names and the _BEFORE/_AFTER forms the sources read', () => {
    for (const n of [
      'NIX_CFLAGS_COMPILE_FOR_BUILD',
      'NIX_LDFLAGS_FOR_TARGET',
      'NIX_HARDENING_ENABLE_FOR_TARGET',
      'NIX_DONT_SET_RPATH_FOR_BUILD',
    ])
      assert.equal(how(n), 'role', n);
    for (const n of ['NIX_CFLAGS_COMPILE_BEFORE', 'NIX_LDFLAGS_BEFORE', 'NIX_LDFLAGS_AFTER'])
      assert.equal(how(n), 'exact', n);
    assert.equal(how('NIX_CFLAGS_COMPILE_BEFORE_FOR_TARGET'), 'role');
    for (const n of [
      'NIX_CFLAGS_COMPILE_AFTER',
      'NIX_CFLAGS_LINK_BEFORE',
      'NIX_LDFLAGS_FOR_HOST',
      'NIX_CFLAGS_COMPILE_FOR_TARGET_BEFORE',
    ])
      assert.equal(how(n), undefined, n);
  });

  it('accepts no role variants of names that are not mangled per role', () => {
    assert.equal(how('NIX_ENFORCE_PURITY'), 'exact');
    assert.equal(how('NIX_ENFORCE_PURITY_FOR_BUILD'), undefined);
    assert.equal(how('NIX_PATH_FOR_TARGET'), undefined);
  });

  it('accepts salted internal names of the wrappers, only with a platform-config salt', () => {
    assert.equal(how('NIX_CC_WRAPPER_TARGET_HOST_x86_64_unknown_linux_gnu'), 'salted');
    assert.equal(how('NIX_CFLAGS_COMPILE_aarch64_apple_darwin'), 'salted');
    assert.equal(how('NIX_CFLAGS_COMPILE_X86_64'), undefined);
    assert.equal(how('NIX_PATH_x86_64_unknown_linux_gnu'), undefined);
  });

  it('knows the stdenv and Nix names that are not wrapper flags', () => {
    for (const n of [
      'NIX_PATH',
      'NIX_SSL_CERT_FILE',
      'NIX_BUILD_CORES',
      'NIX_BUILD_TOP',
      'NIX_STORE',
      'NIX_ENFORCE_PURITY',
      'NIX_HARDENING_ENABLE',
      'NIX_DEBUG',
      'NIX_LOG_FD',
      'NIX_ENFORCE_NO_NATIVE',
      'NIX_NO_SELF_RPATH',
      'NIX_CONFIG',
    ])
      assert.equal(how(n), 'exact', n);
  });

  it('accepts names the user allows', () => {
    assert.equal(new Catalog(['NIX_LD']).lookup('NIX_LD')?.how, 'allowed');
    assert.equal(how('NIX_LD'), undefined);
  });

  it('keeps each name once, with a source and a one-line meaning, and pins the revisions read', () => {
    assert.equal(new Set(allVars.map((v) => v.name)).size, allVars.length);
    for (const v of allVars) {
      assert.match(v.name, /^NIX_[A-Z0-9_]+$/);
      assert.ok(v.source.length > 0 && v.does.length > 0 && !v.does.includes('\n'), v.name);
    }
    for (const f of revision.files)
      assert.ok('commit' in f ? /^[0-9a-f]{40}$/.test(f.commit) : /^\d+$/.test(f.index), f.path);
  });
});

describe('suggestions for near misses', () => {
  it('suggests the real names, closest first', () => {
    assert.equal(first('NIX_LD_FLAGS'), 'NIX_LDFLAGS');
    assert.equal(first('NIX_CFLAG_COMPILE'), 'NIX_CFLAGS_COMPILE');
    assert.equal(first('NIX_CXXFLAGS_COMPILE'), 'NIX_CFLAGS_COMPILE');
    assert.ok(all('NIX_CXXFLAGS_COMPILE').includes('NIX_CXXSTDLIB_COMPILE'));
    assert.deepEqual(all('NIX_CXX_COMPILE').slice(0, 2), [
      'NIX_CXXSTDLIB_COMPILE',
      'NIX_CFLAGS_COMPILE',
    ]);
    assert.equal(first('NIX_ENFORCE_NATIVE'), 'NIX_ENFORCE_NO_NATIVE');
  });

  it('keeps or fixes the role suffix', () => {
    assert.equal(
      first('NIX_CFLAGS_COMPILE_FOR_BUILD_BEFORE'),
      'NIX_CFLAGS_COMPILE_BEFORE_FOR_BUILD',
    );
    assert.equal(first('NIX_LD_FLAGS_FOR_TARGET'), 'NIX_LDFLAGS_FOR_TARGET');
  });

  it('says what each suggestion does, and suggests nothing for unrelated names', () => {
    assert.match(suggest('NIX_LD_FLAGS')[0]?.does ?? '', /linker flags/);
    assert.deepEqual(suggest('NIX_MY_OWN_THING'), []);
  });
});
