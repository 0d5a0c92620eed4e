// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Nix and bash source, where ${ is syntax
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanShell } from '../../src/lint/shell.ts';

const events = (code: string) =>
  scanShell(code).map(
    (e) =>
      `${e.kind}:${e.name}@${e.index}${e.op ? e.op : ''}${e.value !== undefined ? `:${e.value}` : ''}`,
  );
const names = (code: string, kind: string) =>
  scanShell(code)
    .filter((e) => e.kind === kind)
    .map((e) => e.name);

describe('shell scanner', () => {
  it('finds assignments where bash takes them as assignments', () => {
    assert.deepEqual(events('NIX_A=1 NIX_B+="x y" make'), [
      'assign:NIX_A@0=:1',
      'assign:NIX_B@8+=:"x y"',
    ]);
    assert.deepEqual(names('true; NIX_C=1 && NIX_D=2 || { NIX_E=3; }', 'assign'), [
      'NIX_C',
      'NIX_D',
      'NIX_E',
    ]);
    assert.deepEqual(names('if x; then NIX_F=1; else NIX_G=2; fi', 'assign'), ['NIX_F', 'NIX_G']);
    assert.deepEqual(
      names('export NIX_H=1; declare -x NIX_I=2; local NIX_J=3; env NIX_K=4 cc', 'assign'),
      ['NIX_H', 'NIX_I', 'NIX_J', 'NIX_K'],
    );
  });

  it('does not take arguments for assignments', () => {
    assert.deepEqual(
      names('echo NIX_A=1; make NIX_B=2 all; substituteInPlace f --replace NIX_C=1 x', 'assign'),
      [],
    );
  });

  it('finds names exported without a value', () => {
    assert.deepEqual(events('export NIX_A NIX_B=1 -n PATH'), [
      'export:NIX_A@7',
      'assign:NIX_B@13=:1',
    ]);
  });

  it('finds $NAME, ${NAME...} and ${#NAME} expansions, also in double quotes', () => {
    assert.deepEqual(events('echo $NIX_A "${NIX_B:-x}" ${#NIX_C} "$NIX_D"'), [
      'use:NIX_A@6',
      'use:NIX_B@15',
      'use:NIX_C@29',
      'use:NIX_D@38',
    ]);
  });

  it('ignores comments, single quotes, indirection and escaped dollars', () => {
    assert.deepEqual(events("# NIX_A=1\necho '$NIX_B' ${!NIX_C} \\$NIX_D x # $NIX_E"), []);
  });

  it('skips quoted here-documents and expands unquoted ones', () => {
    const code =
      "cat <<'EOF' > a\nNIX_A=1 $NIX_B\nEOF\ncat <<-END\n\tNIX_C=1 $NIX_D\n\tEND\nNIX_E=1";
    assert.deepEqual(events(code), ['use:NIX_D@56', 'assign:NIX_E@67=:1']);
  });

  it('treats a redirection target as a file name, not an assignment', () => {
    assert.deepEqual(names('echo x > NIX_A=1', 'assign'), []);
  });
});
