export { type PathInfo, queryClosure, resolveInstallables } from './closure.ts';
export { type PushOptions, type PushSummary, push } from './push.ts';
