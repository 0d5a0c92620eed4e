export { type Collection, planEviction, summarise } from './plan.ts';
export { compileMatch, matchRule } from './rules.ts';
export {
  admit,
  collect,
  dryRun,
  overview,
  planCache,
  policyOf,
  type RetentionDeps,
  runPlan,
} from './service.ts';
export { cacheStats } from './stats.ts';
export { sweepNars } from './sweep.ts';
export type { Eviction, Plan, RetainedPath, RetentionPolicy, RootView, TierRule } from './types.ts';
export { Usage } from './usage.ts';
export { rootValue } from './value.ts';
