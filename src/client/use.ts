import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Api } from './api.ts';
import { ClientError } from './errors.ts';
import type { ServerSettings } from './settings.ts';
import { addToList, appendLine, confValue, upsertNetrc, userNixDir } from './use-conf.ts';
import { daemonAdvice, type NixTrustFacts, nixTrustFacts } from './use-trust.ts';

export interface FileChange {
  file: string;
  before: string;
  after: string;
  /** File mode to write with (kept from the existing file, 0600 for a netrc). */
  mode: number;
  /** Lines of `after` that are new, and lines of `before` that are gone, for display. */
  added: string[];
  removed: string[];
}

export interface UsePlan {
  cache: string;
  url: string;
  publicKey: string;
  public: boolean;
  changes: FileChange[];
  /** Things the user must know or do, each a paragraph of one or more lines. */
  warnings: string[][];
  /** Whether the running Nix will use a user-level substituter; undefined when Nix could not be asked. */
  nixWillUse: boolean | undefined;
  /** Set when a file to change is a link into the Nix store (home-manager): it cannot be written. */
  managedBy: string | undefined;
}

export interface UseOptions {
  env?: NodeJS.ProcessEnv;
  /** Facts about the running Nix (tests inject them); default: asked from `nix show-config`. */
  trust?: NixTrustFacts;
  /** Who runs Nix, for the trust check; default: this process's user and its groups. */
  who?: { user: string; groups: string[] };
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

function change(file: string, before: string, after: string, mode: number): FileChange {
  const was = new Set(before.split('\n'));
  const now = new Set(after.split('\n'));
  return {
    file,
    before,
    after,
    mode,
    added: after.split('\n').filter((l) => l !== '' && !was.has(l)),
    removed: before.split('\n').filter((l) => l !== '' && !now.has(l)),
  };
}

/** A file (or its folder) that resolves into a Nix store is generated (home-manager) and read-only. */
function storeLink(file: string): string | undefined {
  for (const p of [file, dirname(file)]) {
    let target: string;
    try {
      target = realpathSync(p);
    } catch {
      try {
        target = resolve(dirname(p), readlinkSync(p));
      } catch {
        continue;
      }
    }
    return target.startsWith('/nix/store/') ? target : undefined;
  }
  return undefined;
}

/**
 * What `larder use` would change: the cache's substituter and key in the user's nix.conf,
 * and for a private cache a netrc entry with the token, plus what the user must still do
 * when the Nix daemon would ignore a user-level substituter.
 */
export async function planUse(
  settings: ServerSettings,
  cacheName: string,
  opts: UseOptions = {},
): Promise<UsePlan> {
  const env = opts.env ?? process.env;
  const cache = await new Api(settings).cache(cacheName);
  const dir = userNixDir(env);
  const confFile = join(dir, 'nix.conf');
  const conf = read(confFile);
  let next = addToList(conf, 'substituters', cache.url);
  next = addToList(next, 'trusted-public-keys', cache.publicKey);
  const changes: FileChange[] = [];
  const warnings: string[][] = [];

  let trust = opts.trust;
  if (!trust) {
    try {
      trust = await nixTrustFacts(env, opts.who);
    } catch (err) {
      warnings.push([
        `could not ask Nix for its settings (${(err as Error).message}); not checking whether the Nix daemon would ignore this cache`,
      ]);
    }
  }

  if (!cache.public && !settings.token) {
    warnings.push([
      `cache ${cacheName} is private and no token is configured: Nix will be refused (run \`larder login\`)`,
    ]);
  } else if (!cache.public && settings.token) {
    const set = confValue(next, 'netrc-file');
    const netrcFile = set || join(dir, 'netrc');
    if (!set) {
      next = appendLine(next, `netrc-file = ${netrcFile}`);
      const old = trust?.userNetrcFile;
      if (old && old !== netrcFile && existsSync(old)) {
        warnings.push([
          `Nix read credentials from ${old}; it now reads ${netrcFile} instead, so copy any entries you still need from ${old}`,
        ]);
      }
    }
    const netrc = read(netrcFile);
    const updated = upsertNetrc(netrc, new URL(cache.url).hostname, 'larder', settings.token);
    if (updated !== netrc) changes.push(change(netrcFile, netrc, updated, 0o600));
  }
  if (next !== conf) {
    const mode = existsSync(confFile) ? statSync(confFile).mode & 0o777 : 0o644;
    changes.unshift(change(confFile, conf, next, mode));
  }

  const advice = trust
    ? daemonAdvice(trust, { url: cache.url, publicKey: cache.publicKey, private: !cache.public })
    : [];
  if (advice.length) warnings.push(advice);
  const managed = changes.map((c) => storeLink(c.file)).find(Boolean);
  return {
    cache: cacheName,
    url: cache.url,
    publicKey: cache.publicKey,
    public: cache.public,
    changes,
    warnings,
    nixWillUse: trust ? advice.length === 0 : undefined,
    managedBy: managed,
  };
}

/**
 * Writes the planned changes, each atomically (a temporary file renamed over the target,
 * through a symlink to its target); parents are created, a netrc gets mode 0600.
 */
export function applyUse(plan: UsePlan): void {
  if (plan.managedBy) {
    throw new ClientError(
      `${plan.changes.find((c) => storeLink(c.file))?.file} is a link into the Nix store (${plan.managedBy}), generated by home-manager or NixOS: add the settings above there instead, with netrc-file naming a file of your own (the Nix store is world-readable, no place for a token)`,
    );
  }
  for (const c of plan.changes) {
    const file = existsSync(c.file) ? realpathSync(c.file) : c.file;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.larder-${process.pid}`;
    try {
      writeFileSync(tmp, c.after, { mode: c.mode });
      chmodSync(tmp, c.mode);
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new ClientError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
}
