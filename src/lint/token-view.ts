import { decoded, type Lexed, type Token } from './tokens.ts';

export type ValueKind = 'list' | 'string' | 'bool' | 'int' | 'attrs' | 'expr';

/** What a binding's value looks like, from its first tokens. */
export interface ValueInfo {
  kind: ValueKind;
  /** For a value that is one string literal: its index in Lexed.strings. */
  str?: number;
  bool?: boolean;
  /** For a list: `[ ]`. */
  empty?: boolean;
}

/** One attribute-path segment: `a`, `"a"` (quoted: its string index) or `${...}`. */
export interface Segment {
  name: string;
  start: number;
  end: number;
  next: number;
  quoted?: number;
}

/** Read-only helpers over a token list for the structure walker. */
export class TokenView {
  private readonly closeOf = new Map<number, number>();
  readonly lexed: Lexed;

  constructor(lexed: Lexed) {
    this.lexed = lexed;
    for (const [i, t] of lexed.tokens.entries())
      if (t.kind === 'str-close') this.closeOf.set(t.str, i);
  }

  tok(i: number): Token | undefined {
    return this.lexed.tokens[i];
  }

  isOp(i: number, op: string): boolean {
    const t = this.lexed.tokens[i];
    return t?.kind === 'op' && t.text === op;
  }

  /** The attribute-path segment at i, if one starts there. */
  segment(i: number): Segment | undefined {
    const t = this.tok(i);
    if (t?.kind === 'id' || (t?.kind === 'kw' && t.text === 'or'))
      return { name: t.text, start: t.start, end: t.end, next: i + 1 };
    const close = this.tok(i + 1);
    if (t?.kind === 'str-open' && close?.kind === 'str-close') {
      const s = this.lexed.strings[t.str];
      if (!s) return undefined;
      return {
        name: decoded(s),
        start: s.pieces[0]?.src ?? t.end,
        end: close.start,
        next: i + 2,
        quoted: t.str,
      };
    }
    if (t?.kind !== 'interp-open') return undefined;
    for (let j = i, depth = 0; j < this.lexed.tokens.length; j++) {
      const k = (this.tok(j) as Token).kind;
      depth += k === 'interp-open' ? 1 : k === 'interp-close' ? -1 : 0;
      if (depth === 0)
        return { name: '<dynamic>', start: t.start, end: (this.tok(j) as Token).end, next: j + 1 };
    }
    return undefined;
  }

  /** The value starting at token i, as far as its first tokens tell. */
  valueAt(i: number): ValueInfo {
    const t = this.tok(i);
    const ends = (j: number) => this.isOp(j, ';') || this.isOp(j, '}');
    if (!t) return { kind: 'expr' };
    if (this.isOp(i, '[')) return { kind: 'list', empty: this.isOp(i + 1, ']') };
    if (this.isOp(i, '{') || (t.kind === 'kw' && t.text === 'rec')) return { kind: 'attrs' };
    if (t.kind === 'str-open' && ends((this.closeOf.get(t.str) ?? -2) + 1))
      return { kind: 'string', str: t.str };
    if (t.kind === 'id' && (t.text === 'true' || t.text === 'false') && ends(i + 1))
      return { kind: 'bool', bool: t.text === 'true' };
    if (t.kind === 'int' && ends(i + 1)) return { kind: 'int' };
    return { kind: 'expr' };
  }
}
