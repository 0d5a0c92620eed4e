import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** How a build attempt ended. `killed`: SIGKILL (the OOM killer's signal), worth a retry. */
export type Outcome = 'ok' | 'failed' | 'killed';

export interface BuildRecord {
  machine: string;
  pname: string;
  name: string;
  drv: string;
  startedAt: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakBytes: number;
  cores: number;
  outcome: Outcome;
  /** True when the kernel (or cgroup) recorded an out-of-memory kill during the build. */
  oom: boolean;
}

/** What earlier builds of one package on one machine say. */
export interface PackageHistory {
  builds: number;
  /** Median wall seconds of the recent successful builds. */
  wallSeconds: number | undefined;
  /** Highest peak of the recent successful builds. */
  peakBytes: number | undefined;
  /** Peak memory of the last attempt killed for memory, if the last attempt was one. */
  killedAtBytes: number | undefined;
}

/** `$XDG_STATE_HOME/larder/history.db` (else `~/.local/state/larder/history.db`). */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'larder', 'history.db');
}

const RECENT = 5;

/** Build history per package and machine, in SQLite. */
export class History {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec(`PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS builds (
        id INTEGER PRIMARY KEY,
        machine TEXT NOT NULL,
        pname TEXT NOT NULL,
        name TEXT NOT NULL,
        drv TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        wall_s REAL NOT NULL,
        cpu_s REAL NOT NULL,
        peak_bytes INTEGER NOT NULL,
        cores INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        oom INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS builds_by_package ON builds (machine, pname, id);`);
  }

  record(r: BuildRecord): void {
    this.db
      .prepare(
        `INSERT INTO builds (machine, pname, name, drv, started_at, wall_s, cpu_s, peak_bytes, cores, outcome, oom)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.machine,
        r.pname,
        r.name,
        r.drv,
        r.startedAt,
        r.wallSeconds,
        r.cpuSeconds,
        Math.round(r.peakBytes),
        r.cores,
        r.outcome,
        r.oom ? 1 : 0,
      );
  }

  /** What the recent builds of `pname` on `machine` say; undefined when there are none. */
  lookup(machine: string, pname: string): PackageHistory | undefined {
    const rows = this.db
      .prepare(
        `SELECT wall_s, peak_bytes, outcome FROM builds WHERE machine = ? AND pname = ?
         ORDER BY id DESC LIMIT 20`,
      )
      .all(machine, pname) as { wall_s: number; peak_bytes: number; outcome: Outcome }[];
    if (rows.length === 0) return undefined;
    const ok = rows.filter((r) => r.outcome === 'ok').slice(0, RECENT);
    const walls = ok.map((r) => r.wall_s).sort((a, b) => a - b);
    const last = rows[0];
    return {
      builds: rows.length,
      wallSeconds: walls.length ? walls[Math.floor(walls.length / 2)] : undefined,
      peakBytes: ok.length ? Math.max(...ok.map((r) => r.peak_bytes)) : undefined,
      killedAtBytes: last?.outcome === 'killed' ? last.peak_bytes : undefined,
    };
  }

  close(): void {
    this.db.close();
  }
}
