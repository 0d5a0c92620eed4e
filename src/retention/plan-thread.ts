import { Worker } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import type { Answer, PlanRequest } from './ask.ts';

const pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
let worker: Worker | undefined;
let nextId = 1;

function start(config: Config): Worker {
  // Type-stripped sources run the .ts file; the compiled build in dist/ the .js next to it.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const w = new Worker(new URL(`./plan-worker.${ext}`, import.meta.url), {
    workerData: { config },
  });
  w.on('message', ({ id, error, ...answer }: { id: number; error?: string }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) w.unref();
    if (!p) return;
    if (error === undefined) p.resolve(answer as Answer);
    else p.reject(new Error(`eviction planning failed: ${error}`));
  });
  const fail = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    worker = undefined;
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the planning thread exited (${code})`)));
  // Held only while a plan is asked for: an idle planning thread never keeps a process alive.
  w.unref();
  return w;
}

/** Plans (and evicts, if asked) in a worker thread with its own index connection, started on first use. */
export function planInThread(config: Config, req: PlanRequest): Promise<Answer> {
  worker ??= start(config);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker?.ref();
    worker?.postMessage({ ...req, id });
  });
}
