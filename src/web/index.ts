export { sessionCookie, setSessionCookie } from './cookie.ts';
export { renderDashboard } from './render.ts';
export { fromThisSite, noticeFor, PAGE_HEADERS, redirectHome } from './respond.ts';
export { Sessions } from './sessions.ts';
export type { CacheView, Stats } from './types.ts';
export { viewerGrants } from './viewer.ts';
