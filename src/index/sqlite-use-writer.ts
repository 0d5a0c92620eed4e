import { Worker } from 'node:worker_threads';
import type { UseMessage } from './sqlite-use-worker.ts';
import type { MetadataIndex } from './types.ts';

type Writer = Pick<MetadataIndex, 'recordUse' | 'recordTraffic' | 'close'>;
type Message = UseMessage extends infer M ? (M extends unknown ? Omit<M, 'id'> : never) : never;

/**
 * Use counts and traffic written by a thread with its own connection to the index file
 * (sqlite-use-worker.ts), started on first use. A flush at 20,000 lookups of different
 * paths was 0.2-0.6 s of row updates and WAL checkpoint on the serving thread; here the
 * serving thread only joins the keys into one string. Its memo is not emptied by these
 * writes: they change no memoised column (see the `changes` triggers).
 */
export function sqliteUseWriter(file: string): Writer {
  let worker: Worker | undefined;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: () => void; reject: (e: Error) => void; done: Promise<void> }
  >();

  const start = (): Worker => {
    // Type-stripped sources run the .ts file; the compiled build in dist/ the .js next to it.
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const w = new Worker(new URL(`./sqlite-use-worker.${ext}`, import.meta.url), {
      workerData: { file },
    });
    w.on('message', ({ id, error }: { id: number; error?: string }) => {
      const p = pending.get(id);
      pending.delete(id);
      if (pending.size === 0) w.unref();
      if (error === undefined) p?.resolve();
      else p?.reject(new Error(`recording use failed: ${error}`));
    });
    const fail = (err: Error) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the use-count thread exited (${code})`)));
    w.unref();
    return w;
  };

  let closed = false;
  const send = (m: Message): Promise<void> => {
    if (closed) return Promise.reject(new Error('recording use failed: the index is closed'));
    worker ??= start();
    const id = nextId++;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    pending.set(id, { resolve, reject, done: promise });
    worker.ref();
    worker.postMessage({ ...m, id });
    return promise;
  };

  return {
    async recordUse(cache, hashParts, fileHashes, at) {
      const n = hashParts.size + fileHashes.size;
      if (n === 0) return;
      const counts = new Float64Array(n);
      let i = 0;
      for (const c of hashParts.values()) counts[i++] = c;
      for (const c of fileHashes.values()) counts[i++] = c;
      const keys = [...hashParts.keys(), ...fileHashes.keys()].join('\n');
      await send({ kind: 'use', cache, at, keys, counts, hashParts: hashParts.size });
    },
    async recordTraffic(cache, minute, t) {
      await send({ kind: 'traffic', cache, minute, ...t });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      if (!w) return;
      // Writes already sent are finished first.
      await Promise.allSettled([...pending.values()].map((p) => p.done));
      await w.terminate();
    },
  };
}
