import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import { openIndex } from '../index/index.ts';
import { answer, type PlanRequest } from './ask.ts';

// The worker has its own index connection: reading a million rows and planning on it keeps
// both off the server's event loop. Only small answers cross back: copying 175,000
// evictions, or a million roots, into the server's thread would stall it for seconds.
const index = openIndex(workerData.config as Config);
// On Linux, setpriority() on "process 0" applies to the calling thread only: this thread
// yields the CPU to the one answering requests. Elsewhere it lowers the process, or fails.
try {
  setPriority(0, 19);
} catch {
  // Not permitted here: plan at normal priority.
}
parentPort?.on('message', async (req: PlanRequest & { id: number }) => {
  try {
    parentPort?.postMessage({ id: req.id, ...(await answer(index, req, false)) });
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: (err as Error).message });
  }
});
