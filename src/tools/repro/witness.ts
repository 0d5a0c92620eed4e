import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Api, ClientError, resolveSettings } from '../../client/index.ts';
import { formatHash, parseNarInfo } from '../../nix/index.ts';

/** Where narinfos come from: a binary cache URL and the token to send, if any. */
export interface Witness {
  url: string;
  token: string | undefined;
}

export interface WitnessResult {
  url: string;
  /** same: the cache's NarHash equals the local one; absent: the cache lacks the path. */
  status: 'same' | 'differs' | 'absent' | 'error';
  narHash?: string;
  message?: string;
}

/**
 * `--cache C`: a URL (`https://…`, `file://…`) is a binary cache; anything else names a
 * cache on the larder server (`--server`, LARDER_SERVER or `larder login`), reached with
 * its token so private caches answer too.
 */
export async function resolveWitness(
  cache: string,
  flags: { server?: string | undefined; token?: string | undefined },
): Promise<Witness> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(cache))
    return { url: cache.replace(/\/+$/, ''), token: undefined };
  const settings = resolveSettings(flags);
  const info = await new Api(settings).cache(cache);
  return { url: info.url.replace(/\/+$/, ''), token: settings.token };
}

/** Fetches `<hashPart>.narinfo` and compares its NarHash with `localNarHash`. */
export async function witness(
  w: Witness,
  storePath: string,
  localNarHash: string,
): Promise<WitnessResult> {
  const hashPart = (storePath.split('/').pop() ?? '').slice(0, 32);
  const at = `${w.url}/${hashPart}.narinfo`;
  let text: string | undefined;
  try {
    if (at.startsWith('file://')) {
      text = await readFile(fileURLToPath(at), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
    } else {
      const res = await fetch(at, {
        headers: w.token ? { authorization: `Bearer ${w.token}` } : {},
        signal: AbortSignal.timeout(30_000),
      });
      // Binary caches answer a miss with 404 (or 403 on S3 without list rights).
      if (res.status === 404 || res.status === 403) text = undefined;
      else if (!res.ok) throw new ClientError(`${at} answered ${res.status}`);
      else text = await res.text();
    }
  } catch (err) {
    return { url: w.url, status: 'error', message: (err as Error).message };
  }
  if (text === undefined) return { url: w.url, status: 'absent' };
  try {
    const info = parseNarInfo(text);
    if (info.storePath !== storePath)
      return { url: w.url, status: 'error', message: `narinfo is for ${info.storePath}` };
    const narHash = formatHash(info.narHash, 'base32');
    return { url: w.url, status: narHash === localNarHash ? 'same' : 'differs', narHash };
  } catch (err) {
    return { url: w.url, status: 'error', message: `bad narinfo: ${(err as Error).message}` };
  }
}
