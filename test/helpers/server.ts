import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { type App, bootstrap, createDeps, createServer } from '../../src/server/index.ts';
import type { Logger } from '../../src/util/log.ts';

export interface TestServer {
  app: App;
  url: string;
  dataDir: string;
  adminToken: string;
  /** Log lines at error level: a test fails if the server logged one it did not expect. */
  errors: string[];
  warnings: string[];
  close(): Promise<void>;
}

/** Starts a real server on a free loopback port with its own data dir and a collecting logger. */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'larder-test-'));
  const config = loadConfig({
    env: { LARDER_DATA_DIR: dataDir, LARDER_LISTEN: '127.0.0.1:0', ...env },
  });
  const errors: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (m) => void warnings.push(m),
    error: (m, extra) =>
      void errors.push(
        `${m} ${extra ? String((extra.err as Error)?.stack ?? JSON.stringify(extra)) : ''}`,
      ),
  };
  const deps = { ...createDeps(config), logger };
  await bootstrap(deps);
  const app = createServer(deps);
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    adminToken: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim(),
    errors,
    warnings,
    async close() {
      app.closeAllConnections();
      await app.close();
      await deps.usage.close();
      await deps.index.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with a token. */
export function authed(token: string, init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
  };
}
