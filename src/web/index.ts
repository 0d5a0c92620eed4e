export { renderDashboard } from './render.ts';
export { Sessions, sessionCookie } from './sessions.ts';
