import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerProcess, spawnServer } from '../../test/helpers/process-server.ts';

export interface Larder extends ServerProcess {
  /** A netrc file with the admin token, for `nix copy --option netrc-file`. */
  netrc: string;
  /** The substituter URL of cache `main`. */
  cacheUrl: string;
}

export interface LarderOptions {
  /** Cluster workers (`LARDER_WORKERS`). */
  workers?: number;
  /** `LARDER_FAST_LANE`: false leaves every request to node:http. */
  fastLane?: boolean;
  /** Where to write V8 CPU profiles (`--cpu-prof`); also set by `BENCH_CPU_PROF=<dir>`. */
  cpuProfDir?: string | undefined;
}

/**
 * larder as a real process with its embedded defaults (fs storage, SQLite), cache `main`
 * made public so that load generators need no token, exactly as a public cache is served.
 */
export async function startLarder(dataDir: string, opts: LarderOptions = {}): Promise<Larder> {
  const profDir = opts.cpuProfDir ?? process.env.BENCH_CPU_PROF;
  const env: Record<string, string> = {
    LARDER_WORKERS: String(opts.workers ?? 1),
    LARDER_FAST_LANE: String(opts.fastLane ?? true),
  };
  if (profDir) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profDir}`;
  const server = await spawnServer(dataDir, env);
  try {
    const res = await fetch(`${server.url}/_api/v1/caches/main`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${server.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ public: true }),
    });
    if (!res.ok) throw new Error(`making cache main public: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  } catch (err) {
    await server.stop();
    throw err;
  }
  const netrc = join(dataDir, '..', `netrc-${server.child.pid}`);
  writeFileSync(netrc, `machine 127.0.0.1 login x password ${server.adminToken}\n`, {
    mode: 0o600,
  });
  return { ...server, netrc, cacheUrl: `${server.url}/main` };
}

/** `--option netrc-file <file>` for Nix commands that push to larder. */
export const netrcArgs = (l: Larder) => ['--option', 'netrc-file', l.netrc];
