import { lex } from './lexer.ts';
import { scanShell } from './shell.ts';
import { type AttrName, type SetFacts, structure } from './structure.ts';
import { decoded, INTERP_MARK, sourceOffsets } from './tokens.ts';

/** One place a NIX_ name appears in a file, found through Nix structure or shell code. */
export interface Occurrence {
  name: string;
  start: number;
  end: number;
  /** attr/inherit: Nix attribute; assign/export: shell sets it; use: shell expands it. */
  how: 'attr' | 'inherit' | 'assign' | 'export' | 'use';
  attr?: AttrName;
  /** For attributes holding a plain string and shell assignments with a literal value: that value. */
  literal?: string;
}

export interface FileFacts {
  occurrences: Occurrence[];
  sets: Map<number, SetFacts>;
}

/** A shell word's value without its quotes, or undefined when it expands anything. */
function literalWord(v: string): string | undefined {
  if (/[$`]/.test(v) || v.includes(INTERP_MARK)) return undefined;
  const m = /^(?:"([^"\\]*)"|'([^']*)'|([^"'\\\s]*))$/.exec(v);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/** Lexes a file and lists every NIX_ name in its attributes and in its shell strings. */
export function occurrences(src: string): FileFacts {
  const lexed = lex(src);
  const s = structure(lexed);
  const out: Occurrence[] = [];
  for (const a of s.names) {
    const str =
      a.value.kind === 'string' && a.value.str !== undefined
        ? lexed.strings[a.value.str]
        : undefined;
    const literal = str && !str.pieces.some((p) => p.interp) ? decoded(str) : undefined;
    out.push({
      name: a.name,
      start: a.start,
      end: a.end,
      how: a.via,
      attr: a,
      ...(literal !== undefined ? { literal } : {}),
    });
  }
  lexed.strings.forEach((str, idx) => {
    if (s.notShell.has(idx)) return;
    const text = decoded(str);
    if (!text.includes('NIX_')) return;
    const events = scanShell(text);
    const starts = sourceOffsets(
      str,
      events.map((e) => e.index),
    );
    for (const [k, e] of events.entries()) {
      const start = starts[k] as number;
      const literal = e.value !== undefined ? literalWord(e.value) : undefined;
      out.push({
        name: e.name,
        start,
        end: start + e.name.length,
        how: e.kind,
        ...(literal !== undefined ? { literal } : {}),
      });
    }
  });
  out.sort((a, b) => a.start - b.start);
  return { occurrences: out, sets: s.sets };
}
