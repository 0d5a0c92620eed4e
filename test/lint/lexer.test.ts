// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Nix and bash source, where ${ is syntax
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lex } from '../../src/lint/lexer.ts';
import { decoded, INTERP_MARK, type NixString, sourceOffset } from '../../src/lint/tokens.ts';

const kinds = (src: string) => lex(src).tokens.map((t) => `${t.kind}:${t.text}`);
const only = (src: string): NixString => {
  const s = lex(src).strings[0];
  assert.ok(s, 'a string');
  return s;
};
/** Line and column of the file offset behind decoded index `i`. */
function at(src: string, s: NixString, i: number): [number, number] {
  const off = sourceOffset(s, i);
  const before = src.slice(0, off).split('\n');
  return [before.length, (before[before.length - 1] as string).length + 1];
}

describe('Nix tokenizer', () => {
  it('drops comments and tells paths, URIs, numbers and keywords apart', () => {
    assert.deepEqual(
      kinds(
        '# c\nlet /* b */ a = ./x/y.nix; u = https://a.org/b?c=1; in <nixpkgs> a.b 1.5 2 a/b x:y',
      ),
      [
        'kw:let',
        'id:a',
        'op:=',
        'path:./x/y.nix',
        'op:;',
        'id:u',
        'op:=',
        'uri:https://a.org/b?c=1',
        'op:;',
        'kw:in',
        'path:<nixpkgs>',
        'id:a',
        'op:.',
        'id:b',
        'float:1.5',
        'int:2',
        'path:a/b',
        'uri:x:y',
      ],
    );
  });

  it('lexes operators longest first and keeps `//` apart from paths', () => {
    assert.deepEqual(kinds('a // b ++ [ ] == c -> d ... ?'), [
      'id:a',
      'op://',
      'id:b',
      'op:++',
      'op:[',
      'op:]',
      'op:==',
      'id:c',
      'op:->',
      'id:d',
      'op:...',
      'op:?',
    ]);
  });

  it('decodes "..." escapes; \\${ and $${ stay literal, ${ interpolates', () => {
    const s = only('"a\\n\\${x}$${y}\\"${z}"');
    assert.equal(decoded(s), `a\n\${x}$\${y}"${INTERP_MARK}`);
    assert.deepEqual(kinds('"a\\n\\${x}$${y}\\"${z}"'), [
      'str-open:',
      'interp-open:',
      'id:z',
      'interp-close:}',
      'str-close:',
    ]);
  });

  it('nests strings inside interpolations inside strings', () => {
    const { strings, tokens } = lex('"a ${ "b ${c} d" } e"');
    assert.deepEqual(strings.map(decoded), [`a ${INTERP_MARK} e`, `b ${INTERP_MARK} d`]);
    assert.equal(
      tokens
        .filter((t) => t.kind === 'id')
        .map((t) => t.text)
        .join(),
      'c',
    );
  });

  it("decodes ''...'' escapes: ''$ ''' ''\\n, and $${ stays literal", () => {
    assert.equal(
      decoded(only("''a''${b} ''' ''\\n $${c} ${d}''")),
      `a\${b} '' \n $\${c} ${INTERP_MARK}`,
    );
  });

  it('strips indentation as Nix does and maps characters back to file positions', () => {
    const src = "{\n  x = ''\n      export A=1\n        B=2\n\n      ''${C}\n    '';\n}";
    const s = only(src);
    assert.equal(decoded(s), 'export A=1\n  B=2\n\n${C}\n');
    const text = decoded(s);
    assert.deepEqual(at(src, s, text.indexOf('A=1')), [3, 14]);
    assert.deepEqual(at(src, s, text.indexOf('B=2')), [4, 9]);
    assert.deepEqual(at(src, s, text.indexOf('{C}')), [6, 10]);
  });

  it('lets an escape or interpolation end a line indentation, and ignores tabs as indentation', () => {
    assert.equal(decoded(only("''\n    a\n  ''$b\n''")), '  a\n$b\n');
    assert.equal(decoded(only("''\n  ${x}\n    y\n''")), `${INTERP_MARK}\n  y\n`);
    assert.equal(decoded(only("''\n\ta\n  b''")), '\ta\n  b');
  });

  it('strips a first line that follows the opening quotes too, and trims a space-only last line', () => {
    assert.equal(decoded(only("''  a\n  b\n  ''")), 'a\nb\n');
    assert.equal(decoded(only("''x\n  b\n''")), 'x\n  b\n');
    assert.equal(decoded(only("''\n  a\n      ''")), 'a\n');
    assert.equal(decoded(only("''\n  a\n    b''")), 'a\n  b');
    assert.equal(decoded(only("''\n  a\n  b''")), 'a\nb');
  });

  it('ends unterminated strings at the end of the file', () => {
    assert.equal(decoded(only('"abc')), 'abc');
    assert.equal(decoded(only("''\n  abc")), 'abc');
    assert.equal(lex('{ a = "x').tokens.at(-1)?.kind, 'str-close');
  });

  it('resumes a path after an interpolation', () => {
    assert.deepEqual(kinds('./a/${b}/c'), [
      'path:./a/',
      'interp-open:',
      'id:b',
      'interp-close:}',
      'path:/c',
    ]);
  });
});
