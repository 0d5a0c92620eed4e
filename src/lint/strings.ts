import type { NixString } from './tokens.ts';

/** Where string lexing stopped: at the closing quote, at `${`, or at the end of the file. */
export type Stop = 'close' | 'interp' | 'eof';

const DOLLAR = 36;
const QUOTE = 34;
const BACKSLASH = 92;
const APOS = 39;
const LBRACE = 123;
// Characters that end a run of plain string text; everything else is copied as is.
const DQ_SPECIAL = /["\\$]/g;
const IND_SPECIAL = /['$]/g;

/** The index of the next special character at or after `i`, or the end of `src`. */
function next(re: RegExp, src: string, i: number): number {
  re.lastIndex = i;
  return re.exec(src)?.index ?? src.length;
}

function push(s: NixString, src: string, from: number, to: number): void {
  if (to <= from) return;
  const last = s.pieces[s.pieces.length - 1];
  if (last?.verbatim && last.src + last.text.length === from) last.text += src.slice(from, to);
  else s.pieces.push({ text: src.slice(from, to), src: from, verbatim: true, interp: false });
}

function addEscape(s: NixString, text: string, at: number): void {
  s.pieces.push({ text, src: at, verbatim: false, interp: false });
}

function unescapeChar(c: string): string {
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}

/**
 * Lexes `"..."` content from `i`. Mirrors lexer.l: `\x` escapes, `${` interpolates, and a `$`
 * followed by anything but `{`, `"` or `\` is taken with that character (so `$${` is literal).
 */
export function lexDq(src: string, i: number, s: NixString): [number, Stop] {
  let run = i;
  for (i = next(DQ_SPECIAL, src, i); i < src.length; i = next(DQ_SPECIAL, src, i)) {
    const c = src.charCodeAt(i);
    const n = src.charCodeAt(i + 1);
    if (c === QUOTE || (c === DOLLAR && n === LBRACE)) {
      push(s, src, run, i);
      return [i, c === QUOTE ? 'close' : 'interp'];
    }
    if (c === BACKSLASH) {
      push(s, src, run, i);
      if (i + 1 < src.length) addEscape(s, unescapeChar(src.charAt(i + 1)), i);
      i += 2;
      run = i;
    } else i += n === QUOTE || n === BACKSLASH || Number.isNaN(n) ? 1 : 2;
  }
  push(s, src, run, src.length);
  return [src.length, 'eof'];
}

/** Lexes `''...''` content from `i`: `''$`, `'''` and `''\x` escapes, `${` interpolation. */
export function lexInd(src: string, i: number, s: NixString): [number, Stop] {
  let run = i;
  for (i = next(IND_SPECIAL, src, i); i < src.length; i = next(IND_SPECIAL, src, i)) {
    const c = src.charCodeAt(i);
    const n = src.charCodeAt(i + 1);
    if (c === DOLLAR && n === LBRACE) {
      push(s, src, run, i);
      return [i, 'interp'];
    }
    if (c === APOS && n === APOS) {
      push(s, src, run, i);
      const e = src.charCodeAt(i + 2);
      if (e === DOLLAR || e === APOS) {
        addEscape(s, e === DOLLAR ? '$' : "''", i);
        i += 3;
      } else if (e === BACKSLASH && i + 3 < src.length) {
        addEscape(s, unescapeChar(src.charAt(i + 3)), i);
        i += 4;
      } else return [i, 'close'];
      run = i;
    } else if (c === DOLLAR) i += n === APOS || Number.isNaN(n) ? 1 : 2;
    else i += n === DOLLAR ? 1 : 2;
  }
  push(s, src, run, src.length);
  return [src.length, 'eof'];
}
