import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where a user's Nix configuration lives: `$XDG_CONFIG_HOME/nix` (default ~/.config/nix). */
export function userNixDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'nix');
}

const settingLine = (key: string) => new RegExp(`^\\s*${key}\\s*=\\s*(.*?)\\s*$`);

/** The value of a nix.conf setting, if a line sets it. */
export function confValue(text: string, key: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = settingLine(key).exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Adds `value` to a whitespace-separated list setting, keeping every other line as it is:
 * appended to the first line that sets the key, or a new line at the end. Unchanged text
 * when the value is already there.
 */
export function addToList(text: string, key: string, value: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => settingLine(key).test(l));
  if (at >= 0) {
    const current = (settingLine(key).exec(lines[at] as string)?.[1] ?? '')
      .split(/\s+/)
      .filter(Boolean);
    if (current.includes(value)) return text;
    lines[at] = `${key} = ${[...current, value].join(' ')}`;
    return lines.join('\n');
  }
  return setValue(text, key, value);
}

/** Sets a scalar setting only when no line sets it yet. */
export function setValue(text: string, key: string, value: string): string {
  if (confValue(text, key) !== undefined) return text;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${key} = ${value}\n`;
}

/**
 * Puts `machine <host> login <login> password <password>` in a netrc text: replaces the
 * entry for that host (single- or multi-line), keeps every other entry and comment.
 */
export function upsertNetrc(text: string, host: string, login: string, password: string): string {
  const entry = `machine ${host} login ${login} password ${password}`;
  const lines = text.split('\n');
  const out: string[] = [];
  let skipping = false;
  let replaced = false;
  for (const line of lines) {
    const m = /^\s*(machine\s+(\S+)|default\b)/.exec(line);
    if (m) {
      skipping = m[2] === host;
      if (skipping && !replaced) {
        out.push(entry);
        replaced = true;
      }
      if (skipping) continue;
    } else if (skipping && /^\s*(login|password|account|macdef)\b/.test(line)) {
      continue;
    } else {
      skipping = false;
    }
    out.push(line);
  }
  if (replaced) return out.join('\n');
  const body = out.join('\n');
  const sep = body === '' || body.endsWith('\n') ? '' : '\n';
  return `${body}${sep}${entry}\n`;
}

/**
 * Whether a daemon-based Nix would take a user-level substituter from this user: root and
 * single-user installs always do; otherwise the user (or one of its groups, `@group`) must
 * be in trusted-users, or the URL in trusted-substituters.
 */
export function substituterTrusted(opts: {
  user: string;
  groups: string[];
  trustedUsers: string[];
  trustedSubstituters: string[];
  url: string;
  daemon: boolean;
}): boolean {
  if (!opts.daemon || opts.user === 'root') return true;
  if (opts.trustedSubstituters.includes(opts.url)) return true;
  return opts.trustedUsers.some(
    (u) => u === '*' || u === opts.user || (u.startsWith('@') && opts.groups.includes(u.slice(1))),
  );
}
