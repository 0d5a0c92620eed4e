import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Catalog, lintSource } from '../../src/lint/index.ts';

const CORPUS = join(import.meta.dirname, 'corpus');
/** Findings of a corpus file as `line:col rule name`. */
const lint = (file: string, allow: string[] = []) =>
  lintSource(readFileSync(join(CORPUS, file), 'utf8'), file, new Catalog(allow)).map(
    (f) => `${f.line}:${f.column} ${f.rule} ${f.name}`,
  );

describe('lint corpus', () => {
  it('accepts real names, role variants, _BEFORE/_AFTER forms, salted names and Nix/stdenv names', () => {
    assert.deepEqual(lint('real-names.nix'), []);
  });

  it('flags near misses in attributes at any depth, quoted names and inherit, but not let variables', () => {
    assert.deepEqual(lint('near-misses.nix'), [
      '6:3 nix-var-unknown NIX_CXX_COMPILE',
      '7:3 nix-var-unknown NIX_LD_FLAGS',
      '9:5 nix-var-unknown NIX_CFLAG_COMPILE',
      '11:7 nix-var-unknown NIX_CXXFLAGS_COMPILE',
      '12:4 nix-var-unknown NIX_CFLAGS_COMPILE_FOR_BUILD_BEFORE',
      '13:17 nix-var-unknown NIX_LDFLAG',
    ]);
  });

  it('finds names in shell strings at their file position, and leaves comments, quotes and Nix code alone', () => {
    assert.deepEqual(lint('shell.nix'), [
      '5:14 nix-var-unknown NIX_CXX_COMPILE',
      '6:5 nix-var-unknown NIX_LD_FLAGS',
      '8:14 nix-var-unknown-read NIX_FROM_NOWHERE',
      '8:48 nix-var-unknown-read NIX_TOO',
      '9:44 nix-var-unknown NIX_IN_NESTED_STRING',
      '14:17 nix-var-unknown NIX_DQ_ASSIGN',
      '14:52 nix-var-unknown NIX_DQ_EXPORTED',
    ]);
  });

  it('ignores names in comments and prose', () => {
    assert.deepEqual(lint('comments.nix'), []);
  });

  it('reports the misuse the nixpkgs sources show', () => {
    assert.deepEqual(lint('misuse.nix'), [
      '5:9 nix-var-env-list NIX_LDFLAGS',
      '7:7 nix-var-env-list NIX_CFLAGS_COMPILE',
      '13:9 nix-var-env-overlap NIX_CFLAGS_LINK',
      '18:5 nix-var-structured-not-exported NIX_CFLAGS_COMPILE',
      '23:5 nix-var-bool-value NIX_ENFORCE_NO_NATIVE',
      '24:5 nix-var-bool-value NIX_DONT_SET_RPATH_FOR_TARGET',
      '27:14 nix-var-bool-value NIX_ENFORCE_PURITY',
      '34:5 nix-var-hardening-overridden NIX_HARDENING_ENABLE',
      '39:9 nix-var-env-overlap NIX_HARDENING_ENABLE',
    ]);
  });

  it('accepts allowed names', () => {
    assert.deepEqual(
      lint('shell.nix', [
        'NIX_CXX_COMPILE',
        'NIX_LD_FLAGS',
        'NIX_FROM_NOWHERE',
        'NIX_TOO',
        'NIX_IN_NESTED_STRING',
        'NIX_DQ_ASSIGN',
        'NIX_DQ_EXPORTED',
      ]),
      [],
    );
  });

  it('explains an unknown name with the closest real names and what they do', () => {
    const [f] = lintSource('{ NIX_LD_FLAGS = "-lm"; }', 'x.nix', new Catalog());
    assert.ok(f);
    assert.equal(f.suggestions[0]?.name, 'NIX_LDFLAGS');
    assert.match(
      f.message,
      /NIX_LD_FLAGS is not read by .* silently ignored; did you mean NIX_LDFLAGS \(linker flags/,
    );
    assert.deepEqual([f.line, f.column, f.endLine, f.endColumn], [1, 3, 1, 15]);
  });

  it('does not read a name used after the file sets it as unset', () => {
    assert.deepEqual(
      lintSource(
        "{ NIX_MINE = 1; b = ''\n  echo $NIX_MINE\n''; }",
        'x.nix',
        new Catalog(['NIX_MINE']),
      ),
      [],
    );
    const found = lintSource(
      "{ b = ''\n  NIX_MINE=1\n  echo $NIX_MINE\n''; }",
      'x.nix',
      new Catalog(),
    ).map((f) => f.rule);
    assert.deepEqual(found, ['nix-var-unknown']);
  });
});
