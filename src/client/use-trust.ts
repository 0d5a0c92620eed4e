import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runNix } from './nix-cli.ts';
import { netrcHas } from './use-conf.ts';

/** What decides whether a Nix daemon takes a substituter from this user. */
export interface NixTrustFacts {
  user: string;
  groups: string[];
  /** Store operations go through a daemon (a multi-user install). */
  daemon: boolean;
  /** The system-wide settings: all the daemon reads (it never sees a user's nix.conf). */
  system: {
    trustedUsers: string[];
    trustedSubstituters: string[];
    substituters: string[];
    trustedPublicKeys: string[];
    netrcFile: string;
  };
  /** The system nix.conf, where the advice goes. */
  systemConfFile: string;
  /** The daemon's netrc, when this user may read it. */
  daemonNetrc?: string | undefined;
  /** The netrc-file this user's own Nix reads today. */
  userNetrcFile: string;
}

type ShowConfig = Record<string, { value?: unknown } | undefined>;

const list = (c: ShowConfig, k: string) => {
  const v = c[k]?.value;
  return Array.isArray(v) ? v.map(String) : [];
};
const text = (c: ShowConfig, k: string) => String(c[k]?.value ?? '');

/**
 * `nix show-config --json` (values under `value`). Nix 2.8 has it only behind the
 * nix-command feature, which a stock install leaves off, so the flag is passed.
 */
async function showConfig(env: NodeJS.ProcessEnv): Promise<ShowConfig> {
  const out = await runNix(
    'nix',
    ['--extra-experimental-features', 'nix-command', 'show-config', '--json'],
    { env },
  );
  return JSON.parse(out) as ShowConfig;
}

/**
 * Whether a Nix with this `store` setting talks to a daemon: `daemon` and `unix://` do;
 * `auto` does when the state dir is not writable and the socket exists (Nix 2.8's
 * getStoreType in src/libstore/store-api.cc); local paths and everything else do not.
 */
export function usesDaemon(store: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (store === 'daemon' || store.startsWith('unix://')) return true;
  if (store !== 'auto' && store !== '') return false;
  const stateDir = env.NIX_STATE_DIR || '/nix/var/nix';
  try {
    accessSync(stateDir, constants.R_OK | constants.W_OK);
    return false;
  } catch {
    return existsSync(env.NIX_DAEMON_SOCKET_PATH || join(stateDir, 'daemon-socket', 'socket'));
  }
}

/** The daemon's matchUser (src/nix/daemon.cc): `*`, the user's name, or `@group`. */
export function isTrustedUser(user: string, groups: string[], trustedUsers: string[]): boolean {
  return trustedUsers.some(
    (u) => u === '*' || u === user || (u.startsWith('@') && groups.includes(u.slice(1))),
  );
}

async function groupsOf(): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('id', ['-Gn']);
    return stdout.trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Asks the running Nix: once as this user sees it (which store), once with no user
 * configuration files (what the daemon reads).
 */
export async function nixTrustFacts(
  env: NodeJS.ProcessEnv = process.env,
  who?: { user: string; groups: string[] },
): Promise<NixTrustFacts> {
  const systemEnv: NodeJS.ProcessEnv = { ...env, NIX_USER_CONF_FILES: '' };
  delete systemEnv.NIX_CONFIG;
  const [mine, system, groups] = await Promise.all([
    showConfig(env),
    showConfig(systemEnv),
    who ? Promise.resolve(who.groups) : groupsOf(),
  ]);
  const netrcFile = text(system, 'netrc-file');
  let daemonNetrc: string | undefined;
  try {
    daemonNetrc = readFileSync(netrcFile, 'utf8');
  } catch {
    daemonNetrc = undefined;
  }
  return {
    user: who?.user ?? userInfo().username,
    groups,
    daemon: usesDaemon(text(mine, 'store'), env),
    system: {
      trustedUsers: list(system, 'trusted-users'),
      trustedSubstituters: list(system, 'trusted-substituters'),
      substituters: list(system, 'substituters'),
      trustedPublicKeys: list(system, 'trusted-public-keys'),
      netrcFile,
    },
    systemConfFile: join(env.NIX_CONF_DIR || '/etc/nix', 'nix.conf'),
    daemonNetrc,
    userNetrcFile: text(mine, 'netrc-file'),
  };
}

const same = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * What an administrator must add so that a daemon uses this cache for an untrusted user;
 * empty when nothing is needed. An untrusted user's substituters pass only when listed in
 * the daemon's trusted-substituters or substituters; trusted-public-keys and netrc-file are
 * restricted settings the daemon takes from its own nix.conf (src/libstore/daemon.cc).
 */
export function daemonAdvice(
  f: NixTrustFacts,
  cache: { url: string; publicKey: string; private: boolean },
): string[] {
  if (!f.daemon || isTrustedUser(f.user, f.groups, f.system.trustedUsers)) return [];
  const conf: string[] = [];
  const known = [...f.system.trustedSubstituters, ...f.system.substituters];
  if (!known.some((u) => same(u, cache.url)))
    conf.push(`extra-trusted-substituters = ${cache.url}`);
  if (!f.system.trustedPublicKeys.includes(cache.publicKey))
    conf.push(`extra-trusted-public-keys = ${cache.publicKey}`);
  const host = new URL(cache.url).hostname;
  const netrc = cache.private && !(f.daemonNetrc !== undefined && netrcHas(f.daemonNetrc, host));
  if (conf.length === 0 && !netrc) return [];
  const who = `${f.user} is not in trusted-users (${f.system.trustedUsers.join(' ') || 'none'})`;
  return [
    `the Nix daemon will not use this cache for you: ${who}. As root:`,
    ...(conf.length ? [`  add to ${f.systemConfFile}:`, ...conf.map((l) => `    ${l}`)] : []),
    ...(netrc
      ? [
          `  add to the daemon's netrc-file ${f.system.netrcFile} (mode 0600):`,
          `    machine ${host} login larder password <your larder token>`,
        ]
      : []),
    '  then restart nix-daemon. Or add this user to trusted-users instead (which is close to root access).',
  ];
}
