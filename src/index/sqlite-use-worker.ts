import { setPriority } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { ADD_TRAFFIC, USE_BY_FILE, USE_BY_HASH } from './sqlite-use-sql.ts';

/**
 * Writes use counts and traffic into the SQLite index from a thread of its own (see
 * sqlite-use-writer.ts), so neither the row updates nor the WAL checkpoints their commits
 * run hold the thread that answers requests. In transactions of a few hundred rows: the
 * server's own writes (uploads, evictions) wait for the write lock at most that long.
 */
// On Linux this lowers this thread only (as for the planning thread): counts can wait for
// the CPU, requests should not.
try {
  setPriority(0, 19);
} catch {
  // Not permitted here: write at normal priority.
}
const db = new DatabaseSync(workerData.file as string);
db.exec('PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
const byHash = db.prepare(USE_BY_HASH);
const byFile = db.prepare(USE_BY_FILE);
const traffic = db.prepare(ADD_TRAFFIC);
const SLICE = 500;

export type UseMessage =
  | {
      id: number;
      kind: 'use';
      cache: string;
      at: number;
      /** Hash parts, then file hashes, newline-separated; one string crosses threads cheaply. */
      keys: string;
      counts: Float64Array;
      hashParts: number;
    }
  | {
      id: number;
      kind: 'traffic';
      cache: string;
      minute: number;
      hits: number;
      misses: number;
      bytesOut: number;
    };

function inTransactions(n: number, run: (i: number) => void): void {
  for (let start = 0; start < n; start += SLICE) {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (let i = start; i < Math.min(n, start + SLICE); i++) run(i);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
}

parentPort?.on('message', (m: UseMessage) => {
  try {
    if (m.kind === 'use') {
      const keys = m.keys === '' ? [] : m.keys.split('\n');
      inTransactions(keys.length, (i) => {
        const stmt = i < m.hashParts ? byHash : byFile;
        stmt.run(m.counts[i] as number, m.at, m.cache, keys[i] as string);
      });
    } else {
      traffic.run(m.cache, m.minute, m.hits, m.misses, m.bytesOut);
    }
    parentPort?.postMessage({ id: m.id });
  } catch (err) {
    parentPort?.postMessage({ id: m.id, error: (err as Error).message });
  }
});
