import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import { openIndex, type RetentionRow } from '../index/index.ts';
import { evictionRecords, planEviction } from './plan.ts';
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
    const result =
      req.evictWithGraceMs === undefined
        ? undefined
        : await index.evict(req.cache, evictionRecords(plan), req.now, req.evictWithGraceMs);
    if (result) {
      // Carried out here: the hash parts (a million strings at 1M paths) need not cross
      // back, where copying them would stall the server's event loop for seconds.
      for (const e of plan.evictions) e.paths = [];
      for (const r of [...result.done, ...result.skipped]) r.hashParts = [];
    }
    parentPort?.postMessage({ id: req.id, plan, result });
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: (err as Error).message });
  }
});
