import { lstatSync, readlinkSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { formatHash, parseHash, parseStorePath } from '../../nix/index.ts';
import { ClientError } from '../errors.ts';
import { runNix } from '../nix-cli.ts';

export interface PathInfo {
  path: string;
  /** `sha256:<nix-base32>` */
  narHash: string;
  narSize: number;
  /** Full store paths. */
  references: string[];
  deriver: string | undefined;
  signatures: string[];
  ca: string | undefined;
}

export interface InstallableOptions {
  store?: string | undefined;
  storeDir?: string;
  /** `-f file.nix`: the remaining installables are attribute paths in it. */
  file?: string | undefined;
}

/** Follows symlinks like `./result` to the store path they name (which need not exist here: chroot stores). */
function followToStore(arg: string, storeDir: string): string | undefined {
  let p = resolvePath(arg);
  for (let i = 0; i < 40; i++) {
    if (p.startsWith(`${storeDir}/`)) return p;
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(p);
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) return undefined;
    p = resolvePath(p, '..', readlinkSync(p));
  }
  return undefined;
}

/**
 * Turns what the user typed into store paths: store paths (subpaths trimmed), `./result`
 * links, `.drv` files (their outputs, built or not), attributes of `-f file.nix`, and
 * anything else Nix accepts as an installable.
 */
export async function resolveInstallables(
  args: string[],
  opts: InstallableOptions = {},
): Promise<string[]> {
  const storeDir = opts.storeDir ?? '/nix/store';
  if (opts.file) {
    const attrs = args.length ? args.flatMap((a) => ['-A', a]) : [];
    const out = await runNix('nix-build', [opts.file, ...attrs, '--no-out-link'], {
      store: opts.store,
    });
    return out.split('\n').filter(Boolean);
  }
  const paths: string[] = [];
  for (const arg of args) {
    const target = arg.startsWith(`${storeDir}/`) ? arg : followToStore(arg, storeDir);
    if (target) {
      const top = target.slice(storeDir.length + 1).split('/')[0] as string;
      const path = `${storeDir}/${top}`;
      try {
        parseStorePath(path, storeDir);
      } catch (err) {
        throw new ClientError(`${arg}: not a store path (${(err as Error).message})`, {
          exitCode: 2,
        });
      }
      if (path.endsWith('.drv')) {
        const outs = await runNix('nix-store', ['--query', '--outputs', path], {
          store: opts.store,
        });
        paths.push(...outs.split('\n').filter(Boolean));
      } else paths.push(path);
      continue;
    }
    const out = await runNix('nix', ['path-info', arg], { store: opts.store });
    paths.push(...out.split('\n').filter(Boolean));
  }
  return [...new Set(paths)];
}

interface RawInfo {
  path: string;
  valid?: boolean;
  narHash?: string;
  narSize?: number;
  references?: string[];
  deriver?: string;
  signatures?: string[];
  ca?: string;
}

/** The closure of `paths` with what a narinfo needs, from `nix path-info --json -r`. */
export async function queryClosure(paths: string[], store?: string): Promise<PathInfo[]> {
  if (paths.length === 0) return [];
  const out = await runNix('nix', ['path-info', '--json', '--recursive', ...paths], { store });
  const raw = JSON.parse(out) as RawInfo[];
  const invalid = raw.filter((r) => r.valid === false).map((r) => r.path);
  if (invalid.length) {
    throw new ClientError(
      `not in the local store: ${invalid.join(', ')} (build or fetch it first)`,
    );
  }
  return raw.map((r) => ({
    path: r.path,
    // Nix 2.8 prints SRI (`sha256-…`); narinfos and fingerprints use `sha256:<base32>`.
    narHash: formatHash(parseHash(r.narHash ?? '', 'NarHash'), 'base32'),
    narSize: r.narSize ?? 0,
    references: r.references ?? [],
    deriver: r.deriver,
    signatures: r.signatures ?? [],
    ca: r.ca,
  }));
}
