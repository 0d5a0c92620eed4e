import type { MetadataIndex, RetentionRow } from '../index/index.ts';
import { loadGraph } from './graph.ts';
import { analyse, type Collection, carryOut, type Overview, overviewOf, planOf } from './plan.ts';
import type { Plan, RetentionPolicy } from './types.ts';

/** What a caller wants from planning one cache. */
export type Ask =
  /** The whole plan: every eviction with its hash parts, and (`withRoots`) every root. */
  | { want: 'plan'; withRoots: boolean }
  /**
   * A summary listing the first `listLimit` evictions; with `evictWithGraceMs`, after
   * carrying the plan out (batched transactions) with that NAR grace period.
   */
  | { want: 'summary'; listLimit: number; evictWithGraceMs?: number | undefined }
  /** Totals and the `top` most valuable and next-to-evict roots. */
  | { want: 'overview'; top: number };

/** One cache to plan, as of `now`, with a path about to be stored (`incoming`) protected. */
export type PlanRequest = {
  cache: string;
  policy: RetentionPolicy;
  now: number;
  incoming: RetentionRow | undefined;
} & Ask;

/** The answer to each kind of ask. */
export type Answer = { plan: Plan } | { collection: Collection } | { overview: Overview };

/**
 * Reads the cache, plans, and answers what was asked (evicting, if that was asked).
 * `whole`: read the paths in one query, as on the server's thread (see loadGraph).
 */
export async function answer(
  index: Pick<MetadataIndex, 'pathCount' | 'retentionRows' | 'retentionView' | 'evict'>,
  req: PlanRequest,
  whole: boolean,
): Promise<Answer> {
  const graph = await loadGraph(index, req.cache, req.incoming, whole);
  const cp = analyse(graph, req.policy, req.now, req.incoming ? [req.incoming.hashPart] : []);
  switch (req.want) {
    case 'plan':
      return { plan: planOf(cp, req.withRoots) };
    case 'overview':
      return { overview: overviewOf(cp, req.top) };
    case 'summary': {
      const grace = req.evictWithGraceMs;
      const evict =
        grace === undefined
          ? undefined
          : (records: Parameters<MetadataIndex['evict']>[1]) =>
              index.evict(req.cache, records, req.now, grace);
      return { collection: await carryOut(cp, req.listLimit, evict) };
    }
  }
}
