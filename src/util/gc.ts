import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (opts?: { type?: 'minor' | 'major' }) => void;
let gc: Gc | null | undefined;

/**
 * A scavenge of V8's young generation. A stream allocates a Buffer per chunk; V8 collects
 * their wrappers only when the young generation fills or external memory has grown by
 * ~64 MiB, so a long upload carries tens of MiB of spent chunks. Asking for a scavenge every
 * few MiB keeps that near zero for about 0.1 ms each, without shrinking the young
 * generation for everything else (which costs request throughput). `--expose-gc` set at
 * run time reaches new contexts, which is how the function is obtained here.
 */
export function scavenge(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  }
  gc?.({ type: 'minor' });
}

/** Calls `scavenge` once every `every` bytes counted. */
export function scavengeEvery(every = 8 * 2 ** 20): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since >= every) {
      since = 0;
      scavenge();
    }
  };
}
