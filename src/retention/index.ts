export { planEviction } from './plan.ts';
export { compileMatch, matchRule } from './rules.ts';
export type { Eviction, Plan, RetainedPath, RetentionPolicy, RootView, TierRule } from './types.ts';
export { rootValue } from './value.ts';
