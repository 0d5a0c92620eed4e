/** Bash words, expansions and here-documents: the pieces scanShell is built from. */
/** A NIX_ name in shell code: assigned (`NIX_X=`, `NIX_X+=`), exported by name, or expanded. */
export interface ShellEvent {
  kind: 'assign' | 'export' | 'use';
  name: string;
  /** Index of the name in the scanned text. */
  index: number;
  op?: '=' | '+=';
  /** The assigned word after `=`, still quoted. */
  value?: string;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
export const BREAKS = new Set(' \t\r\n;&|()<>`');

function nameAt(t: string, i: number): string | undefined {
  NAME.lastIndex = i;
  return NAME.exec(t)?.[0];
}

/** Records `$NAME`, `${NAME...}` and `${#NAME}` at `i` (a `$`) and returns the index after it. */
export function dollar(t: string, i: number, out: ShellEvent[]): number {
  const next = t[i + 1];
  if (next === '{') {
    let j = i + 2;
    if (t[j] === '#') j++;
    const name = t[j] === '!' ? undefined : nameAt(t, j);
    if (name?.startsWith('NIX_')) out.push({ kind: 'use', name, index: j });
    let depth = 1;
    for (j += name?.length ?? 0; j < t.length && depth > 0; j++)
      depth += t[j] === '{' ? 1 : t[j] === '}' ? -1 : 0;
    return j;
  }
  if (next === '(') return i + 2;
  const name = nameAt(t, i + 1);
  if (name?.startsWith('NIX_')) out.push({ kind: 'use', name, index: i + 1 });
  return i + 1 + (name?.length ?? 0);
}

// Where plain word text ends: a break, a quote, an escape or an expansion.
const WORD_STOP = /[ \t\r\n;&|()<>`\\'"$]/g;
const DQ_STOP = /["\\$]/g;

function stop(re: RegExp, t: string, i: number): number {
  re.lastIndex = i;
  return re.exec(t)?.index ?? t.length;
}

function doubleQuoted(t: string, i: number, out: ShellEvent[]): number {
  for (i = stop(DQ_STOP, t, i); i < t.length && t[i] !== '"'; i = stop(DQ_STOP, t, i))
    i = t[i] === '\\' ? i + 2 : dollar(t, i, out);
  return i + 1;
}

/** Reads one shell word from `i`, recording expansions in it; returns the index after it. */
export function word(t: string, i: number, out: ShellEvent[]): number {
  for (
    i = stop(WORD_STOP, t, i);
    i < t.length && !BREAKS.has(t[i] as string);
    i = stop(WORD_STOP, t, i)
  ) {
    const c = t[i];
    if (c === '\\') i += 2;
    else if (c === "'") i = t.indexOf("'", i + 1) < 0 ? t.length : t.indexOf("'", i + 1) + 1;
    else if (c === '"') i = doubleQuoted(t, i + 1, out);
    else i = dollar(t, i, out);
  }
  return i;
}

export interface Heredoc {
  delim: string;
  strip: boolean;
  quoted: boolean;
}

/** Skips here-document bodies starting at `i` (a line start); unquoted ones still expand `$`. */
export function heredocBodies(t: string, i: number, docs: Heredoc[], out: ShellEvent[]): number {
  for (const d of docs) {
    while (i < t.length) {
      const nl = t.indexOf('\n', i);
      const end = nl < 0 ? t.length : nl;
      const line = t.slice(i, end);
      if ((d.strip ? line.replace(/^\t+/, '') : line) === d.delim) {
        i = end + 1;
        break;
      }
      if (!d.quoted)
        for (let k = t.indexOf('$', i); k >= 0 && k < end; k = t.indexOf('$', k + 1))
          dollar(t, k, out);
      i = end + 1;
    }
  }
  return i;
}
