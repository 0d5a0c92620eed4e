/** Token kinds of the Nix lexer (after src/libexpr/lexer.l in NixOS/nix). */
export type TokenKind =
  | 'id'
  | 'kw'
  | 'int'
  | 'float'
  | 'path'
  | 'uri'
  | 'op'
  | 'str-open'
  | 'str-close'
  | 'interp-open'
  | 'interp-close';

export interface Token {
  kind: TokenKind;
  /** Offset of the first character in the file. */
  start: number;
  end: number;
  /** Source text for ids, keywords and operators; empty for the rest. */
  text: string;
  /** For str-open and str-close: index into `Lexed.strings`. */
  str: number;
}

/**
 * A run of decoded string content. Verbatim pieces map character i to file offset src + i;
 * an escape (`\n`, `''$`, ...) or an interpolation maps all of its text to `src`.
 */
export interface Piece {
  text: string;
  src: number;
  verbatim: boolean;
  interp: boolean;
}

/** A string literal: `"..."` (dq) or `''...''` (ind, after indentation stripping). */
export interface NixString {
  kind: 'dq' | 'ind';
  start: number;
  end: number;
  pieces: Piece[];
}

export interface Lexed {
  tokens: Token[];
  strings: NixString[];
}

/** Stands for an interpolation `${...}` inside decoded string text. */
export const INTERP_MARK = '\u0000';

/** The decoded text of a string, interpolations replaced by INTERP_MARK. */
export function decoded(s: NixString): string {
  let out = '';
  for (const p of s.pieces) out += p.text;
  return out;
}

/** Maps ascending indices into `decoded(s)` back to file offsets, in one pass over the pieces. */
export function sourceOffsets(s: NixString, sorted: number[]): number[] {
  const out: number[] = [];
  let k = 0;
  let at = 0;
  for (const idx of sorted) {
    for (let p = s.pieces[k]; p && idx >= at + p.text.length; p = s.pieces[++k])
      at += p.text.length;
    const p = s.pieces[k];
    out.push(p ? (p.verbatim ? p.src + (idx - at) : p.src) : s.end);
  }
  return out;
}

/** Maps an index into `decoded(s)` back to an offset in the file. */
export function sourceOffset(s: NixString, index: number): number {
  return sourceOffsets(s, [index])[0] as number;
}
