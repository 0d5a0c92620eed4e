import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hashToken, newToken } from '../auth/index.ts';
import { createCache } from '../cache/index.ts';
import type { CacheRecord } from '../index/index.ts';
import type { Deps } from './context.ts';

export interface Bootstrapped {
  caches: CacheRecord[];
  adminTokenFile: string;
  adminTokenCreated: boolean;
}

/**
 * First-start work, idempotent on every start: the caches the config declares (or `main`
 * when there are none), and an admin token in `<data-dir>/admin.token` (mode 0600).
 */
export async function bootstrap(deps: Deps): Promise<Bootstrapped> {
  const { config, index } = deps;
  await mkdir(config.dataDir, { recursive: true });
  const declared =
    Object.keys(config.caches).length > 0
      ? config.caches
      : (await index.listCaches()).length
        ? {}
        : { main: {} };
  for (const [name, settings] of Object.entries(declared)) {
    const created = await createCache(index, { name, ...settings }, deps.now());
    if (created) deps.logger.info(`created cache ${name}`);
    else {
      // The config file is the source of truth for the settings it names.
      const patch = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
      if (Object.keys(patch).length) await index.updateCache(name, patch);
    }
  }

  const adminTokenFile = join(config.dataDir, 'admin.token');
  let adminTokenCreated = false;
  if (existsSync(adminTokenFile)) {
    const token = readFileSync(adminTokenFile, 'utf8').trim();
    // A token file whose token the index does not know (a fresh database beside an old
    // data dir) is registered again rather than silently useless.
    if (!(await index.getTokenByHash(hashToken(token))))
      await registerAdmin(deps, token, hashToken(token));
  } else {
    const t = newToken();
    await registerAdmin(deps, t.token, t.hash, t.id);
    writeFileSync(adminTokenFile, `${t.token}\n`, { mode: 0o600, flag: 'wx' });
    adminTokenCreated = true;
  }
  return { caches: await index.listCaches(), adminTokenFile, adminTokenCreated };
}

async function registerAdmin(
  deps: Deps,
  _token: string,
  hash: string,
  id = newToken().id,
): Promise<void> {
  await deps.index.createToken({
    id,
    hash,
    description: 'admin (admin.token)',
    grants: [{ cache: '*', scopes: ['pull', 'push', 'delete', 'admin'] }],
    createdAt: deps.now(),
    expiresAt: undefined,
    revokedAt: undefined,
  });
}
