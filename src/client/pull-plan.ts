import { parseNarInfo } from '../nix/index.ts';
import { send, withRetries } from './http.ts';

export interface DryRun {
  /** Paths Nix will substitute, the whole missing closure. */
  fetch: string[];
  /** Nix's own totals, rounded to 0.01 MiB. */
  downloadBytes: number;
  unpackedBytes: number;
  /** Paths no substituter has and Nix cannot build ("don't know how to build"). */
  missing: string[];
  /** Derivations Nix would build (never asked for by pull, which realises output paths). */
  build: string[];
}

const MIB = 1024 * 1024;

/**
 * Reads what `nix-store --realise --dry-run` prints on stderr (Nix 2.8's printMissing,
 * src/libmain/shared.cc): `these N paths will be fetched (X MiB download, Y MiB unpacked):`
 * or `this path will be fetched (…):`, `don't know how to build these paths:`, `these N
 * derivations will be built:`, each followed by indented store paths.
 */
export function parseDryRun(stderr: string): DryRun {
  const lines = stderr.split('\n');
  const section = (head: RegExp) => {
    const at = lines.findIndex((l) => head.test(l));
    if (at < 0) return [];
    const out: string[] = [];
    for (const l of lines.slice(at + 1)) {
      if (!/^\s+\//.test(l)) break;
      out.push(l.trim());
    }
    return out;
  };
  const m = /will be fetched \(([\d.]+) MiB download, ([\d.]+) MiB unpacked\)/.exec(stderr);
  return {
    fetch: section(/will be fetched/),
    downloadBytes: m ? Math.round(Number(m[1]) * MIB) : 0,
    unpackedBytes: m ? Math.round(Number(m[2]) * MIB) : 0,
    missing: section(/don't know how to build/),
    build: section(/will be built/),
  };
}

export interface NarSizes {
  /** Compressed bytes to download (FileSize), and the NAR's size once unpacked (NarSize). */
  fileSize: number;
  narSize: number;
}

/**
 * The exact sizes of `paths` from the cache's narinfos, fetched in parallel; a path the
 * cache does not have (Nix will take it from another substituter) is left out.
 */
export async function narSizes(
  cacheUrl: string,
  token: string | undefined,
  paths: string[],
  storeDir: string,
  concurrency = 16,
): Promise<Map<string, NarSizes>> {
  const sizes = new Map<string, NarSizes>();
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const queue = [...paths];
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const hash = path.slice(storeDir.length + 1, storeDir.length + 33);
      const url = `${cacheUrl}/${hash}.narinfo`;
      const res = await withRetries(`GET ${url}`, () => send('GET', url, { headers }));
      if (res.status !== 200) continue;
      try {
        const info = parseNarInfo(res.body, storeDir);
        sizes.set(path, { fileSize: info.fileSize ?? info.narSize, narSize: info.narSize });
      } catch {
        // Sizes are a report, not a requirement: Nix's own totals stand in for this one.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return sizes;
}
