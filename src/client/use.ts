import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Api } from './api.ts';
import { runNix } from './nix-cli.ts';
import {
  addToList,
  confValue,
  setValue,
  substituterTrusted,
  upsertNetrc,
  userNixDir,
} from './nix-config.ts';
import type { ServerSettings } from './settings.ts';

export interface FileChange {
  file: string;
  before: string;
  after: string;
  mode?: number;
}

export interface UsePlan {
  url: string;
  publicKey: string;
  changes: FileChange[];
  /** Lines telling the user what Nix would otherwise ignore, and how to fix it. */
  warnings: string[];
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

interface NixSettings {
  trustedUsers: string[];
  trustedSubstituters: string[];
  daemon: boolean;
}

/** Reads the running Nix's trust settings (`nix show-config --json`). */
async function nixSettings(): Promise<NixSettings | undefined> {
  try {
    const json = JSON.parse(await runNix('nix', ['show-config', '--json'])) as Record<
      string,
      { value: unknown }
    >;
    const list = (k: string) => (Array.isArray(json[k]?.value) ? (json[k]?.value as string[]) : []);
    const store = String(json.store?.value ?? 'auto');
    // `auto` uses the daemon when the user cannot write the store itself.
    const daemon = store === 'daemon' || (store === 'auto' && userInfo().uid !== 0);
    return {
      trustedUsers: list('trusted-users'),
      trustedSubstituters: list('trusted-substituters'),
      daemon,
    };
  } catch {
    return undefined;
  }
}

/** What `larder use` would change: the user's nix.conf and netrc, plus warnings. */
export async function planUse(
  settings: ServerSettings,
  cacheName: string,
  env: NodeJS.ProcessEnv = process.env,
  nix?: NixSettings,
): Promise<UsePlan> {
  const cache = await new Api(settings).cache(cacheName);
  const dir = userNixDir(env);
  const confFile = join(dir, 'nix.conf');
  const conf = read(confFile);
  let next = addToList(conf, 'extra-substituters', cache.url);
  next = addToList(next, 'extra-trusted-public-keys', cache.publicKey);
  const changes: FileChange[] = [];
  const warnings: string[] = [];
  if (!cache.public) {
    if (!settings.token) {
      warnings.push(
        `cache ${cacheName} is private and no token is configured: Nix will get 401s (run \`larder login\`)`,
      );
    } else {
      const netrcFile = confValue(next, 'netrc-file') ?? join(dir, 'netrc');
      next = setValue(next, 'netrc-file', netrcFile);
      const netrc = read(netrcFile);
      const updated = upsertNetrc(netrc, new URL(cache.url).hostname, 'larder', settings.token);
      if (updated !== netrc)
        changes.push({ file: netrcFile, before: netrc, after: updated, mode: 0o600 });
    }
  }
  if (next !== conf) changes.unshift({ file: confFile, before: conf, after: next });
  const s = nix ?? (await nixSettings());
  const me = userInfo().username;
  if (
    s &&
    !substituterTrusted({
      user: me,
      groups: [],
      trustedUsers: s.trustedUsers,
      trustedSubstituters: s.trustedSubstituters,
      url: cache.url,
      daemon: s.daemon,
    })
  ) {
    warnings.push(
      `the Nix daemon ignores substituters from ${me}, who is not a trusted user. As root, add to /etc/nix/nix.conf:`,
      `  trusted-substituters = ${cache.url}`,
      `  trusted-public-keys = ${cache.publicKey}`,
      '(or add this user to trusted-users), restart nix-daemon; for a private cache the daemon reads',
      'its own netrc-file (default /etc/nix/netrc), so put the netrc entry there too.',
    );
  }
  return { url: cache.url, publicKey: cache.publicKey, changes, warnings };
}

/** Writes the planned changes (files created with their parents; netrc mode 0600). */
export function applyUse(plan: UsePlan): void {
  for (const c of plan.changes) {
    mkdirSync(dirname(c.file), { recursive: true });
    writeFileSync(c.file, c.after, c.mode ? { mode: c.mode } : {});
    if (c.mode) chmodSync(c.file, c.mode);
  }
}
