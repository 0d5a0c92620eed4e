/** Upstream substituters: push skip, pull-through and redirect. */
export { type LookupOptions, type UpstreamHit, UpstreamLookup } from './lookup.ts';
export { type PullDeps, PullThrough } from './pull.ts';
export { redirectNarInfo } from './redirect.ts';
export {
  narInfoFromUpstream,
  onUpstream,
  pullReferences,
  type UpstreamDeps,
  upstreamsOf,
} from './service.ts';
