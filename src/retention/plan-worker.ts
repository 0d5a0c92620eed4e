import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import { openIndex, type RetentionRow } from '../index/index.ts';
import { evictionRecords, planEviction, summarise } from './plan.ts';
import type { RetentionPolicy } from './types.ts';

/** A plan request from the server thread; see plan-thread.ts. */
export interface PlanRequest {
  id: number;
  cache: string;
  policy: RetentionPolicy;
  now: number;
  incoming: RetentionRow | undefined;
  /** Leave the full list of roots out of the answer (gc and admission need only evictions). */
  evictionsOnly: boolean;
  /** Also carry the plan out here (batched transactions), with this NAR grace period. */
  evictWithGraceMs?: number | undefined;
  /** With `evictWithGraceMs`: how many evictions the answer lists. */
  listLimit?: number | undefined;
}

// The worker has its own index connection: reading 100,000 rows and planning on it keeps
// both off the server's event loop, and only the (small) plan crosses back.
const index = openIndex(workerData.config as Config);
// On Linux, setpriority() on "process 0" applies to the calling thread only: this thread
// yields the CPU to the one answering requests. Elsewhere it lowers the process, or fails.
try {
  setPriority(0, 19);
} catch {
  // Not permitted here: plan at normal priority.
}
parentPort?.on('message', async (req: PlanRequest) => {
  try {
    const view = await index.retentionView(req.cache);
    if (req.incoming) view.push(req.incoming);
    const plan = planEviction(
      view,
      req.policy,
      req.now,
      req.incoming ? [req.incoming.hashPart] : [],
    );
    if (req.evictionsOnly) plan.roots = [];
    if (req.evictWithGraceMs === undefined) {
      parentPort?.postMessage({ id: req.id, plan });
      return;
    }
    const result = await index.evict(
      req.cache,
      evictionRecords(plan),
      req.now,
      req.evictWithGraceMs,
    );
    // Only a summary crosses back: copying 175,000 evictions (and a million hash parts) into
    // the server's thread would stall its event loop for seconds.
    parentPort?.postMessage({
      id: req.id,
      collection: summarise(plan, result, req.listLimit ?? 1000),
    });
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: (err as Error).message });
  }
});
