/** `larder check-repro`: rebuild and compare, name differing files, ask a cache as a witness. */
export {
  checkRepro,
  type DerivationResult,
  type OutputResult,
  type ReproOptions,
  type ReproReport,
} from './check.ts';
export { compareTrees, type FileDifference } from './compare-trees.ts';
export { findDiffoscope } from './diffoscope.ts';
export { describeDifference, renderReport } from './report.ts';
export { resolveWitness, type Witness, type WitnessResult } from './witness.ts';
