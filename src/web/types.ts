import type { cacheStats } from '../retention/index.ts';

/** One cache's figures, as `cacheStats` reports them. */
export type Stats = Awaited<ReturnType<typeof cacheStats>>;

/** A cache as the dashboard shows it. */
export interface CacheView {
  stats: Stats;
  public: boolean;
  /** The substituter URL. */
  url: string;
}
