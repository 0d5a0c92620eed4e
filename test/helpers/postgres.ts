import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** LARDER_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
const BIN =
  process.env.LARDER_PG_BIN ??
  (() => {
    const root = '/usr/lib/postgresql';
    const versions = existsSync(root)
      ? readdirSync(root)
          .filter((v) => /^\d+$/.test(v))
          .sort((x, y) => Number(y) - Number(x))
      : [];
    return join(root, versions[0] ?? '15', 'bin');
  })();

/** A throwaway PostgreSQL cluster, one per test process, stopped when the process exits. */
export interface TestPostgres {
  /** The superuser connection URL of the `postgres` database. */
  adminUrl: string;
  /** A fresh, empty database; its URL. */
  createDatabase(): Promise<string>;
}

let started: Promise<TestPostgres> | undefined;
let counter = 0;

function postgresUid(): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return r.status === 0 && g.status === 0
    ? { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) }
    : undefined;
}

/**
 * Why PostgreSQL tests must be skipped, or false when the binaries are here. With
 * LARDER_REQUIRE_PG=1 a missing PostgreSQL is a failure, so CI cannot go green by skipping.
 */
export function requirePostgres(): string | false {
  const root = userInfo().uid === 0;
  if (existsSync(join(BIN, 'initdb')) && (!root || postgresUid())) return false;
  const reason = `PostgreSQL binaries not found in ${BIN}${root ? ' (or no postgres user)' : ''}`;
  if (process.env.LARDER_REQUIRE_PG === '1') throw new Error(`LARDER_REQUIRE_PG=1 but ${reason}`);
  return reason;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the process's cluster on first use (initdb + pg_ctl, about a second), then reuses it. */
export function startPostgres(): Promise<TestPostgres> {
  started ??= boot();
  return started;
}

async function boot(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'larder-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: the cluster belongs to the postgres user then.
  const owner = userInfo().uid === 0 ? postgresUid() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const run = (cmd: string, args: string[]) => {
    const argv = owner ? ['-u', 'postgres', '--', join(BIN, cmd), ...args] : args;
    const r = spawnSync(owner ? 'runuser' : join(BIN, cmd), argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  process.once('exit', () => {
    const argv = ['-D', data, '-m', 'immediate', 'stop'];
    if (owner) spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), ...argv]);
    else spawnSync(join(BIN, 'pg_ctl'), argv);
    rmSync(dir, { recursive: true, force: true });
  });
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    async createDatabase() {
      const name = `larder_${process.pid}_${++counter}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
  };
}
