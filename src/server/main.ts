import cluster from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { type Config, loadConfig } from '../config/index.ts';
import { openIndex } from '../index/index.ts';
import { collect as collectCache, sweepNars, Usage } from '../retention/index.ts';
import { createStorage } from '../storage/index.ts';
import { createLogger } from '../util/log.ts';
import { Sessions } from '../web/index.ts';
import { createServer } from './app.ts';
import { type Bootstrapped, bootstrap } from './bootstrap.ts';
import type { Deps } from './context.ts';
import { Metrics } from './metrics.ts';

export interface ServeOptions {
  config?: string | undefined;
  listen?: string | undefined;
  dataDir?: string | undefined;
}

/** Builds the server's dependencies from configuration. */
export function createDeps(config: Config): Deps {
  const index = openIndex(config);
  const logger = createLogger(config.logLevel);
  return {
    config,
    storage: createStorage(config),
    index,
    logger,
    metrics: new Metrics(),
    usage: new Usage(index, Date.now, (err) => logger.error('recording use failed', { err })),
    sessions: new Sessions(),
    now: Date.now,
  };
}

/**
 * Background retention work: delete NAR files whose grace period is over (every 30 s) and
 * collect each cache by its plan, expiring tier-3 roots past their TTL (every 10 min).
 */
function startHousekeeping(deps: Deps): () => void {
  const guard = (what: string, fn: () => Promise<unknown>) => () =>
    void fn().catch((err: unknown) => deps.logger.error(`${what} failed`, { err }));
  const sweep = setInterval(
    guard('NAR sweep', () => sweepNars(deps)),
    30_000,
  );
  const collect = setInterval(
    guard('collection', async () => {
      for (const cache of await deps.index.listCaches()) {
        await collectCache(deps, cache);
      }
    }),
    600_000,
  );
  return () => {
    clearInterval(sweep);
    clearInterval(collect);
  };
}

/**
 * `larder serve`: load config, bootstrap, listen, print how to use it, stop cleanly on
 * SIGTERM. With `workers > 1` the primary bootstraps and forks workers that share the port
 * (node:cluster); each worker has its own index connection.
 */
export async function main(opts: ServeOptions = {}): Promise<void> {
  const config = loadConfig({
    file: opts.config,
    overrides: { listen: opts.listen, dataDir: opts.dataDir },
  });
  if (cluster.isWorker) return runWorker(config);
  const deps = createDeps(config);
  await deps.storage.check?.();
  const boot = await bootstrap(deps);
  if (config.workers === 1) {
    const address = await listen(deps);
    printBanner(config, boot, address);
    return;
  }
  await deps.index.close();
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < config.workers; i++) fork();
  let printed = false;
  cluster.on('message', (_w, msg: { listening?: AddressInfo }) => {
    if (msg.listening && !printed) {
      printed = true;
      printBanner(config, boot, msg.listening);
    }
  });
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    deps.logger.error(`worker ${w.process.pid} died (${signal ?? code}); starting another`);
    fork();
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.disconnect(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function runWorker(config: Config): Promise<void> {
  const address = await listen(createDeps(config));
  process.send?.({ listening: address });
}

async function listen(deps: Deps): Promise<AddressInfo> {
  const app = createServer(deps);
  const stopHousekeeping = startHousekeeping(deps);
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(deps.config.listen.port, deps.config.listen.host, resolve);
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info(`${signal}: finishing requests in flight, then stopping`);
    stopHousekeeping();
    await app.close();
    await deps.usage.close();
    await deps.index.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return app.server.address() as AddressInfo;
}

function printBanner(config: Config, boot: Bootstrapped, addr: AddressInfo): void {
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const base = config.publicUrl ?? `http://${host}:${addr.port}`;
  const lines = [
    `larder listening on http://${host}:${addr.port} (data in ${config.dataDir}${config.workers > 1 ? `, ${config.workers} workers` : ''})`,
    ...(config.s3 ? [`  NARs in s3://${config.s3.bucket}/${config.s3.prefix}`] : []),
    ...(config.postgres ? ['  metadata in PostgreSQL'] : []),
  ];
  for (const c of boot.caches) {
    lines.push(`  cache ${c.name}${c.public ? ' (public)' : ' (private)'}`);
    lines.push(`    substituter:  ${base}/${c.name}`);
    lines.push(`    public key:   ${c.publicKey}`);
  }
  lines.push(
    `  admin token ${boot.adminTokenCreated ? 'written to' : 'in'} ${boot.adminTokenFile}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
