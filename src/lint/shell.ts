import { type Heredoc, heredocBodies, type ShellEvent, word } from './shell-words.ts';

export type { ShellEvent } from './shell-words.ts';

const PREFIXES = new Set(['export', 'local', 'declare', 'typeset', 'readonly']);
// After these words the next word starts a command again (so `then NIX_X=1` assigns).
const CONTROL = new Set([
  'if',
  'then',
  'else',
  'elif',
  'do',
  'while',
  'until',
  '!',
  '{',
  '}',
  'time',
  'env',
]);
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)(\+?=)/;

/**
 * Finds NIX_ assignments, exports and expansions in bash code (a phase, a hook). Comments,
 * single-quoted text and quoted here-documents are skipped; assignments count only where bash
 * takes them as assignments: at a command's start or after export/local/declare/readonly.
 */
export function scanShell(t: string): ShellEvent[] {
  const out: ShellEvent[] = [];
  let i = 0;
  let cmd = true;
  let prefix: string | undefined;
  let redirect = false;
  let docs: Heredoc[] = [];
  while (i < t.length) {
    const c = t[i] as string;
    if (c === '\n' || ';&|()`'.includes(c)) {
      i = c === '\n' && docs.length > 0 ? heredocBodies(t, i + 1, docs, out) : i + 1;
      docs = c === '\n' ? [] : docs;
      cmd = true;
      prefix = undefined;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '#') i = t.indexOf('\n', i) < 0 ? t.length : t.indexOf('\n', i);
    else if (c === '<' && t[i + 1] === '<' && t[i + 2] !== '<') {
      const m = /^<<(-?)[ \t]*(?:'([^'\n]*)'|"([^"\n]*)"|([^\s;&|<>()]+))/.exec(
        t.slice(i, i + 256),
      );
      if (!m) {
        i += 2;
        redirect = true;
      } else {
        const raw = m[4];
        docs.push({
          delim: m[2] ?? m[3] ?? (raw ?? '').replaceAll('\\', ''),
          strip: m[1] === '-',
          quoted: raw === undefined || raw.includes('\\'),
        });
        i += m[0].length;
      }
    } else if (c === '<' || c === '>') {
      i += 1;
      redirect = true;
    } else {
      const start = i;
      i = word(t, i, out);
      const w = t.slice(start, i);
      if (redirect) redirect = false;
      else if ((cmd || (prefix && prefix !== 'unset')) && ASSIGN.test(w)) {
        const m = ASSIGN.exec(w) as RegExpExecArray;
        const name = m[1] as string;
        if (name.startsWith('NIX_'))
          out.push({
            kind: 'assign',
            name,
            index: start,
            op: m[2] as '=' | '+=',
            value: w.slice(m[0].length),
          });
      } else if (cmd) {
        cmd = CONTROL.has(w);
        prefix = PREFIXES.has(w) || w === 'unset' ? w : undefined;
      } else if (prefix === 'export' && /^NIX_[A-Za-z0-9_]*$/.test(w))
        out.push({ kind: 'export', name: w, index: start });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}
