import pg from 'pg';
import { PG_MIGRATIONS } from './postgres-schema.ts';

/** A query runner: the pool, or one client inside a transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

import type { Row } from './rows.ts';

export type { Row };

/**
 * Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)): one per
 * thing replicas must take turns at. The second key is hashtext() of the cache or file.
 */
export const LOCK = { migrate: 0x6c617200, cache: 0x6c617201, nar: 0x6c617202 } as const;

/** A failure to reach or use PostgreSQL, with the server (never the password) named. */
export class PostgresError extends Error {
  override name = 'PostgresError';
}

/** Where the URL points, for error messages: user@host:port/db, password left out. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${host}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/** The pool, with migrations applied before the first query is answered. */
export function openPool(url: string, poolSize: number) {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
  });
  const where = describeUrl(url);
  // An idle connection the server closed (restart, failover) is dropped by the pool and
  // replaced on next use; without a listener the error would end the process.
  pool.on('error', () => {});
  const wrap = (err: unknown): Error =>
    err instanceof PostgresError
      ? err
      : new PostgresError(`PostgreSQL at ${where}: ${(err as Error).message}`, { cause: err });
  const ready = migrate(pool).catch((err: unknown) => {
    throw wrap(err);
  });
  ready.catch(() => {});

  /** Runs one statement (after migrations). */
  const query = async (sql: string, params: unknown[] = []): Promise<Row[]> => {
    await ready;
    try {
      return (await pool.query(sql, params)).rows;
    } catch (err) {
      throw wrap(err);
    }
  };
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  const tx = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    await ready;
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw wrap(err);
    }
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw wrap(err);
    } finally {
      client.release();
    }
  };
  return { pool, ready, query, tx, close: () => pool.end() };
}

export type Pool = ReturnType<typeof openPool>;

/**
 * Applies pending migrations under an advisory lock, so replicas starting at once wait for
 * each other and each migration runs once.
 */
async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK.migrate]);
    await client.query('CREATE TABLE IF NOT EXISTS larder_schema (version INTEGER NOT NULL)');
    const rows = (await client.query('SELECT version FROM larder_schema')).rows;
    const version = rows.length ? Number(rows[0].version) : 0;
    if (version > PG_MIGRATIONS.length)
      throw new PostgresError(
        `the database has schema version ${version}, newer than this larder knows (${PG_MIGRATIONS.length}); upgrade larder`,
      );
    for (let i = version; i < PG_MIGRATIONS.length; i++)
      await client.query(PG_MIGRATIONS[i] as string);
    if (rows.length === 0)
      await client.query('INSERT INTO larder_schema (version) VALUES ($1)', [PG_MIGRATIONS.length]);
    else await client.query('UPDATE larder_schema SET version = $1', [PG_MIGRATIONS.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Locks `key` in `space` until the transaction ends. */
export async function lock(db: Db, space: number, key: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [space, key]);
}
