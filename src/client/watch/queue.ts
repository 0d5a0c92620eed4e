import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Store paths waiting to be pushed, kept in an append-only file (`+path` queued, `-path`
 * pushed) so a crash or restart loses nothing; compacted when it grows.
 */
export class DiskQueue {
  readonly file: string;
  private readonly pending = new Set<string>();
  private lines = 0;

  constructor(file: string) {
    this.file = file;
    mkdirSync(dirname(file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // A missing file is an empty queue.
    }
    for (const line of text.split('\n')) {
      if (line.startsWith('+')) this.pending.add(line.slice(1));
      else if (line.startsWith('-')) this.pending.delete(line.slice(1));
      if (line) this.lines++;
    }
  }

  /** Queued paths, oldest first. */
  list(): string[] {
    return [...this.pending];
  }

  get size(): number {
    return this.pending.size;
  }

  add(paths: string[]): void {
    const fresh = paths.filter((p) => !this.pending.has(p));
    if (fresh.length === 0) return;
    appendFileSync(this.file, fresh.map((p) => `+${p}\n`).join(''));
    for (const p of fresh) this.pending.add(p);
    this.lines += fresh.length;
  }

  remove(paths: string[]): void {
    const gone = paths.filter((p) => this.pending.has(p));
    if (gone.length === 0) return;
    appendFileSync(this.file, gone.map((p) => `-${p}\n`).join(''));
    for (const p of gone) this.pending.delete(p);
    this.lines += gone.length;
    if (this.lines > 1000 && this.lines > 4 * this.pending.size) this.compact();
  }

  /** Rewrites the file with only what is pending (write-then-rename: never half a queue). */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, [...this.pending].map((p) => `+${p}\n`).join(''));
    renameSync(tmp, this.file);
    this.lines = this.pending.size;
  }
}
