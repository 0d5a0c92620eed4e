export { type Estimate, estimate, ruleTier } from './estimate.ts';
export { findProfile } from './find-profile.ts';
export { parseDrvName } from './graph.ts';
export { History, historyFile } from './history.ts';
export { makePlan, type Plan, type PlannedBuild } from './plan.ts';
export {
  defaultProfile,
  detectProfileToml,
  loadProfile,
  type Profile,
  parseProfile,
} from './profile.ts';
export { ProgressView } from './progress.ts';
export { renderPlan, renderReport } from './report.ts';
export { type RunReport, runPlan } from './runner.ts';
export {
  type Candidate,
  candidatesOf,
  criticalPaths,
  type Job,
  lowerBound,
  pickStarts,
  simulate,
} from './schedule.ts';
