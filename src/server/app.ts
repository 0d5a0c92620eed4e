import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { HttpError, methodNotAllowed, notFound } from '../util/http-error.ts';
import { authenticate, authenticateHeader, authorize } from './authorize.ts';
import type { Ctx, Deps, Method, Route } from './context.ts';
import type { FastRequest } from './fast-head.ts';
import { type FastLane, type FastReply, installFastLane } from './fast-lane.ts';
import { sendJson } from './respond.ts';
import { routes as defaultRoutes } from './routes/index.ts';

export interface App {
  server: Server;
  deps: Deps;
  /** Stops accepting connections and waits for the ones in flight. */
  close(): Promise<void>;
  /** Drops every connection at once (tests). */
  closeAllConnections(): void;
}

/** Builds the HTTP app; it does not listen yet (main or a test does that). */
export function createServer(deps: Deps, routes: Route[] = defaultRoutes): App {
  const server = createHttpServer({
    // Narinfo and API requests are small; a client sending huge headers is refused by Node.
    maxHeaderSize: MAX_HEAD,
    requestTimeout: 0,
    headersTimeout: 30_000,
    keepAliveTimeout: KEEP_ALIVE_MS,
  });
  const fastRoutes = routes.filter((r) => r.fast);
  const fast: FastLane | undefined =
    fastRoutes.length > 0 && deps.config.fastLane
      ? installFastLane(server, (req) => handleFast(deps, fastRoutes, req), {
          maxHead: MAX_HEAD,
          idleMs: KEEP_ALIVE_MS,
        })
      : undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(deps, routes, req, res);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      socket.end(
        'HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
      );
      return;
    }
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return {
    server,
    deps,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        fast?.closeIdle();
      }),
    closeAllConnections: () => {
      server.closeAllConnections();
      fast?.closeAll();
    },
  };
}

const MAX_HEAD = 16 * 1024;
const REQUESTS_HELP = 'HTTP requests by route, status and lane (fast: answered without node:http).';
const KEEP_ALIVE_MS = 65_000;

/**
 * Every valid path of this server is plain ASCII without escapes: refusing `%` and dot
 * segments up front closes every traversal spelling (`..`, `%2e%2e`, `%2f`).
 */
const suspiciousPath = (path: string): boolean =>
  path.includes('%') ||
  /(^|\/)\.\.?(\/|$)/.test(path) ||
  path.includes('\\') ||
  path.includes('//');

/**
 * The fast lane's dispatch: the same path rule, route table and access check as `handle`.
 * Anything that would be an error is declined, so `handle` answers and logs it.
 */
async function handleFast(
  deps: Deps,
  routes: Route[],
  req: FastRequest,
): Promise<FastReply | undefined> {
  if (suspiciousPath(req.path)) return undefined;
  for (const r of routes) {
    if (!r.methods.includes(req.method)) continue;
    const m = r.pattern.exec(req.path);
    if (!m) continue;
    // exec makes a fresh groups object each time; copying it cost more than the match.
    const params: Record<string, string> = m.groups ?? {};
    let token: Awaited<ReturnType<typeof authenticateHeader>>;
    let cache: Awaited<ReturnType<typeof authorize>>;
    try {
      token = await authenticateHeader(deps, req.authorization);
      cache = await authorize(deps, r.access, token, params.cache);
    } catch {
      return undefined;
    }
    const reply = await r.fast?.({
      deps,
      params,
      cache,
      token,
      method: req.method,
      range: req.range,
    });
    if (reply) {
      const route = r.name ?? 'unnamed';
      deps.metrics.hot(
        'larder_http_requests_total',
        REQUESTS_HELP,
        `${route} ${req.method} ${reply.status} fast`,
        () => ({
          route,
          method: req.method,
          status: String(reply.status),
          lane: 'fast',
        }),
      )();
    }
    return reply;
  }
  return undefined;
}

async function handle(
  deps: Deps,
  routes: Route[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // The abort signal is made only for handlers that ask for it: most requests (narinfo
  // lookups) never do, and an AbortController per request is measurable at 20k req/s.
  let controller: AbortController | undefined;
  let gone = false;
  const signal = (): AbortSignal => {
    controller ??= new AbortController();
    if (gone && !controller.signal.aborted) controller.abort(new Error('client went away'));
    return controller.signal;
  };
  let routeName = 'none';
  res.once('close', () => {
    if (res.writableFinished) {
      deps.metrics.inc('larder_http_requests_total', REQUESTS_HELP, {
        route: routeName,
        method: req.method ?? '',
        status: String(res.statusCode),
        lane: 'node',
      });
      return;
    }
    gone = true;
    controller?.abort(new Error('client went away'));
  });
  try {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (suspiciousPath(path)) {
      throw new HttpError(
        400,
        'bad_path',
        'the request path contains escapes or dot segments, which no larder URL has',
      );
    }
    let matched: Route | undefined;
    let groups: Record<string, string> = {};
    const allowed = new Set<Method>();
    for (const r of routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.methods.includes(req.method as Method)) {
        matched = r;
        groups = m.groups ?? {};
        break;
      }
      for (const method of r.methods) allowed.add(method);
    }
    if (!matched) throw allowed.size > 0 ? methodNotAllowed([...allowed]) : notFound();
    routeName = matched.name ?? 'unnamed';
    const token = await authenticate(deps, req);
    const cache = await authorize(deps, matched.access, token, groups.cache);
    const ctx: Ctx = {
      req,
      res,
      deps,
      params: groups,
      get query() {
        return new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1));
      },
      get signal() {
        return signal();
      },
      cache,
      token,
    };
    await matched.handle(ctx);
  } catch (err) {
    if (
      err instanceof HttpError &&
      err.status < 500 &&
      /^(putNar|postNar|putNarinfo)$/.test(routeName)
    ) {
      deps.metrics.inc(
        'larder_upload_rejected_total',
        'Uploads refused by verification, by reason.',
        { reason: err.code },
      );
    }
    sendError(deps, req, res, err, gone);
  }
}

/** The one error handler: 4xx as `{ code, message }` logged as a warning; the rest as a plain 500. */
function sendError(
  deps: Deps,
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  clientGone: boolean,
): void {
  if (clientGone) {
    deps.logger.info('client went away', { method: req.method, url: req.url });
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    const level =
      err.status >= 500 && err.status !== 507 ? 'error' : err.status === 404 ? 'debug' : 'warn';
    deps.logger[level](`${req.method} ${req.url} -> ${err.status} ${err.message}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // An upload refused before its body was read: close the connection rather than read
    // (possibly gigabytes) of a body nobody will use.
    if (!req.complete) res.setHeader('connection', 'close');
    sendJson(res, err.status, { code: err.code, message: err.message }, err.headers);
    return;
  }
  deps.logger.error(`${req.method} ${req.url} failed`, { err });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (!req.complete) res.setHeader('connection', 'close');
  sendJson(res, 500, { code: 'internal', message: 'internal server error' });
}
