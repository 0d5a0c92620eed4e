import { stripIndentation } from './indentation.ts';
import { pathEnd, wordAt } from './lexer-words.ts';
import { lexDq, lexInd, type Stop } from './strings.ts';
import { INTERP_MARK, type Lexed, type NixString, type Token, type TokenKind } from './tokens.ts';

const OPS2 = new Set(['//', '++', '==', '!=', '<=', '>=', '&&', '||', '->', '|>', '<|']);

/** What an open `{`, `${` or string on the mode stack is. */
type Frame = { kind: 'brace' | 'interp' | 'path' } | { kind: 'dq' | 'ind'; str: number };

/** Tokenizes Nix source in one linear pass; comments are dropped, strings are decoded. */
export function lex(src: string): Lexed {
  const tokens: Token[] = [];
  const strings: NixString[] = [];
  const stack: Frame[] = [];
  const emit = (kind: TokenKind, start: number, end: number, text = '', str = -1) =>
    tokens.push({ kind, start, end, text, str });
  let i = 0;

  /** Continues a string after its opening quote or after an interpolation closed. */
  const resumeString = (f: Frame & { str: number }) => {
    const s = strings[f.str] as NixString;
    const [at, stop]: [number, Stop] = f.kind === 'dq' ? lexDq(src, i, s) : lexInd(src, i, s);
    i = at;
    if (stop === 'interp') {
      s.pieces.push({ text: INTERP_MARK, src: i, verbatim: false, interp: true });
      emit('interp-open', i, i + 2);
      stack.push({ kind: 'interp' });
      i += 2;
      return;
    }
    stack.pop();
    s.end = stop === 'eof' ? i : i + (f.kind === 'dq' ? 1 : 2);
    if (f.kind === 'ind') stripIndentation(s);
    emit('str-close', i, s.end, '', f.str);
    i = s.end;
  };

  const openString = (kind: 'dq' | 'ind', start: number, contentAt: number) => {
    strings.push({ kind, start, end: start, pieces: [] });
    emit('str-open', start, contentAt, '', strings.length - 1);
    stack.push({ kind, str: strings.length - 1 });
    i = contentAt;
    resumeString(stack[stack.length - 1] as Frame & { str: number });
  };

  /** Emits a path (piece) and, when `${` follows, stays in path mode for the rest of it. */
  const path = (start: number, end: number) => {
    if (end > start) emit('path', start, end, src.slice(start, end));
    i = end;
    if (src.startsWith('${', end)) stack.push({ kind: 'path' });
  };

  while (i < src.length) {
    const top = stack[stack.length - 1];
    if (top && (top.kind === 'dq' || top.kind === 'ind')) {
      resumeString(top);
      continue;
    }
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 35) {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const close = src.indexOf('*/', i + 2);
      i = close < 0 ? src.length : close + 2;
      continue;
    }
    if (c === 34) {
      openString('dq', i, i + 1);
      continue;
    }
    if (c === 39 && src.charCodeAt(i + 1) === 39) {
      const m = /^'' *\n/.exec(src.slice(i, i + 200));
      openString('ind', i, i + (m ? m[0].length : 2));
      continue;
    }
    if (c === 36 && src.charCodeAt(i + 1) === 123) {
      emit('interp-open', i, i + 2);
      stack.push({ kind: 'interp' });
      i += 2;
      continue;
    }
    if (c === 123) {
      emit('op', i, i + 1, '{');
      stack.push({ kind: 'brace' });
      i++;
      continue;
    }
    if (c === 125) {
      const f = stack.pop();
      emit(f?.kind === 'interp' ? 'interp-close' : 'op', i, i + 1, '}');
      i++;
      const back = stack[stack.length - 1];
      if (f?.kind === 'interp' && back?.kind === 'path') {
        stack.pop();
        path(i, pathEnd(src, i));
      }
      continue;
    }
    const w = wordAt(src, i);
    if (w?.kind === 'path' && c !== 60) path(i, w.end);
    else if (w) {
      emit(w.kind, i, w.end, src.slice(i, w.end));
      i = w.end;
    }
    if (w) continue;
    const two = src.slice(i, i + 2);
    const op =
      two === '..' && src.charCodeAt(i + 2) === 46 ? '...' : OPS2.has(two) ? two : src.charAt(i);
    emit('op', i, i + op.length, op);
    i += op.length;
  }
  return { tokens, strings };
}
