import type { Writable } from 'node:stream';

/**
 * Calls `fn` once, when `w` has drained or has closed: a writer that waits for 'drain'
 * alone would wait for ever on a destination that went away.
 */
export function whenDrained(w: Writable, fn: () => void): void {
  const done = () => {
    w.off('drain', done);
    w.off('close', done);
    fn();
  };
  w.on('drain', done);
  w.on('close', done);
}
