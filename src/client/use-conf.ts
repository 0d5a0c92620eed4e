import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where Nix reads a user's nix.conf and where `larder use` keeps its netrc: `$XDG_CONFIG_HOME/nix`. */
export function userNixDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'nix');
}

interface ConfLine {
  key: string;
  values: string[];
  /** Offset just after the last value (before trailing blanks and any comment). */
  end: number;
}

/**
 * One nix.conf line as Nix 2.8 reads it (src/libutil/config.cc, applyConfig): everything
 * from the first `#` is a comment, then `name = value…` with `=` a token of its own.
 */
function parseLine(line: string): ConfLine | undefined {
  const hash = line.indexOf('#');
  const body = (hash >= 0 ? line.slice(0, hash) : line).trimEnd();
  const tokens = body.trim().split(/\s+/);
  if (tokens.length < 2 || tokens[1] !== '=') return undefined;
  return { key: tokens[0] as string, values: tokens.slice(2), end: body.length };
}

/** The list settings `larder use` adds to, with the names Nix also accepts for them. */
const ALIASES = {
  substituters: ['substituters', 'binary-caches'],
  'trusted-public-keys': ['trusted-public-keys', 'binary-cache-public-keys'],
} as const;

export type ListSetting = keyof typeof ALIASES;

// Substituter URLs compare with and without a trailing slash, as the daemon compares them.
const same = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Adds `value` to a list setting without touching any other byte: unchanged when a line
 * already in effect lists it; else appended to an `extra-` line, or a new line at the end.
 * Nix applies lines in order and a plain `substituters = …` line replaces what came before
 * (extra- lines included), so only lines after the last plain one count.
 */
export function addToList(text: string, setting: ListSetting, value: string): string {
  const lines = text.split('\n');
  const parsed = lines.map(parseLine);
  const plain: readonly string[] = ALIASES[setting];
  const extra = plain.map((k) => `extra-${k}`);
  const lastPlain = parsed.findLastIndex((l) => l !== undefined && plain.includes(l.key));
  let target = -1;
  for (let i = Math.max(lastPlain, 0); i < lines.length; i++) {
    const l = parsed[i];
    if (!l || !(plain.includes(l.key) || extra.includes(l.key))) continue;
    if (l.values.some((v) => same(v, value))) return text;
    if (target < 0 && extra.includes(l.key) && i > lastPlain) target = i;
  }
  if (target < 0) return appendLine(text, `extra-${setting} = ${value}`);
  const line = lines[target] as string;
  const end = (parsed[target] as ConfLine).end;
  lines[target] = `${line.slice(0, end)} ${value}${line.slice(end)}`;
  return lines.join('\n');
}

/** The value of a scalar setting: the last line that sets it wins, as in Nix. */
export function confValue(text: string, key: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split('\n')) {
    const l = parseLine(line);
    if (l?.key === key) value = l.values.join(' ');
  }
  return value;
}

/** Appends `line` (and a newline), first ending an unterminated last line. */
export function appendLine(text: string, line: string): string {
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${line}\n`;
}

interface NetrcToken {
  text: string;
  at: number;
}

/** A netrc's entries: where each starts and ends in the text, and what it says. */
function netrcEntries(text: string) {
  const tokens: NetrcToken[] = [];
  for (const m of text.matchAll(/\S+/g)) tokens.push({ text: m[0], at: m.index });
  const entries: {
    host: string | undefined;
    start: number;
    end: number;
    fields: Map<string, string>;
  }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as NetrcToken;
    if (t.text === 'machine' || t.text === 'default') {
      const host = t.text === 'machine' ? tokens[++i]?.text : undefined;
      const last = tokens[i] ?? t;
      entries.push({ host, start: t.at, end: last.at + last.text.length, fields: new Map() });
    } else if (t.text === 'macdef') {
      // A macro body runs to the next empty line (ftp's netrc(5)); its words are not keywords.
      const blank = text.indexOf('\n\n', t.at);
      while (i + 1 < tokens.length && (blank < 0 || (tokens[i + 1] as NetrcToken).at < blank)) i++;
    } else if (/^(login|password|account)$/.test(t.text) && entries.length > 0) {
      const value = tokens[++i];
      const e = entries[entries.length - 1];
      if (e && value) {
        e.fields.set(t.text, value.text);
        e.end = value.at + value.text.length;
      }
    }
  }
  return entries;
}

/**
 * Puts `machine <host> login <login> password <password>` in a netrc text: unchanged when
 * the first entry for that host already says so; else that entry (one line or several) is
 * replaced in place; else the entry goes before a `default` entry (curl stops at `default`,
 * so nothing after it is ever read) or at the end. Every other byte is kept.
 */
export function upsertNetrc(text: string, host: string, login: string, password: string): string {
  const entry = `machine ${host} login ${login} password ${password}`;
  const entries = netrcEntries(text);
  const mine = entries.find((e) => e.host === host);
  if (mine) {
    if (mine.fields.get('login') === login && mine.fields.get('password') === password) return text;
    return `${text.slice(0, mine.start)}${entry}${text.slice(mine.end)}`;
  }
  const fallback = entries.find((e) => e.host === undefined);
  if (fallback) return `${text.slice(0, fallback.start)}${entry}\n${text.slice(fallback.start)}`;
  return appendLine(text, entry);
}

/** Whether a netrc text has an entry for `host`. */
export function netrcHas(text: string, host: string): boolean {
  return netrcEntries(text).some((e) => e.host === host);
}
