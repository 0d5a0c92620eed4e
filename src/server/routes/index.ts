import type { Route } from '../context.ts';
import createCache from './create-cache.ts';
import createToken from './create-token.ts';
import deleteCache from './delete-cache.ts';
import deleteSession from './delete-session.ts';
import getCache from './get-cache.ts';
import getDashboard from './get-dashboard.ts';
import getHealth from './get-health.ts';
import getListing from './get-listing.ts';
import getLog from './get-log.ts';
import getLogin from './get-login.ts';
import getMetrics from './get-metrics.ts';
import getNar from './get-nar.ts';
import getNarinfo from './get-narinfo.ts';
import getNixCacheInfo from './get-nix-cache-info.ts';
import getReady from './get-ready.ts';
import getRoots from './get-roots.ts';
import getStats from './get-stats.ts';
import listCaches from './list-caches.ts';
import listTokens from './list-tokens.ts';
import postDashboardLink from './post-dashboard-link.ts';
import postGc from './post-gc.ts';
import postLogin from './post-login.ts';
import postMissing from './post-missing.ts';
import postNar from './post-nar.ts';
import postPin from './post-pin.ts';
import postTouch from './post-touch.ts';
import putListing from './put-listing.ts';
import putLog from './put-log.ts';
import putNar from './put-nar.ts';
import putNarinfo from './put-narinfo.ts';
import revokeToken from './revoke-token.ts';
import updateCache from './update-cache.ts';

/** Every route, hot paths first: the router tries them in order. */
const table = {
  getNarinfo,
  getNar,
  getNixCacheInfo,
  putNar,
  putNarinfo,
  getListing,
  putListing,
  getLog,
  putLog,
  getHealth,
  getReady,
  listCaches,
  createCache,
  getCache,
  updateCache,
  deleteCache,
  createToken,
  listTokens,
  revokeToken,
  postMissing,
  postNar,
  getMetrics,
  getDashboard,
  getLogin,
  postLogin,
  deleteSession,
  postDashboardLink,
  getStats,
  getRoots,
  postGc,
  postPin,
  postTouch,
} satisfies Record<string, Route>;

export const routes: Route[] = Object.entries(table).map(([name, r]) => ({ ...r, name }));
