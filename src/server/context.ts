import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.ts';
import type { CacheRecord, MetadataIndex, Scope, TokenRecord } from '../index/index.ts';
import type { Usage } from '../retention/index.ts';
import type { BlobStore } from '../storage/index.ts';
import type { Logger } from '../util/log.ts';
import type { Sessions } from '../web/index.ts';
import type { FastReply } from './fast-lane.ts';
import type { Metrics } from './metrics.ts';

/** What the server is built from; tests pass their own. */
export interface Deps {
  config: Config;
  storage: BlobStore;
  index: MetadataIndex;
  logger: Logger;
  metrics: Metrics;
  usage: Usage;
  sessions: Sessions;
  now: () => number;
}

/**
 * Who may call a route: anyone; holders of a scope on the cache named in the URL (pull
 * on a public cache needs no token); any valid token; or a server-wide admin.
 */
export type Access =
  | { kind: 'anyone' }
  | { kind: 'cache'; scope: Scope }
  | { kind: 'token' }
  | { kind: 'admin' };

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  deps: Deps;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Fires when the client goes away before the response is complete. */
  signal: AbortSignal;
  /** The cache named in the URL, for `cache` routes. */
  cache: CacheRecord | undefined;
  /** The caller's token, when one was sent and is valid. */
  token: TokenRecord | undefined;
}

export interface Route {
  /** For metrics and logs; set from the route table's keys. */
  name?: string;
  methods: Method[];
  /** Matched against the raw path; named groups become `params`. */
  pattern: RegExp;
  access: Access;
  handle(ctx: Ctx): Promise<void>;
  /**
   * The same answer for the fast lane (GET and HEAD only), after the same access check;
   * undefined hands the request to `handle`. Only for answers that are small, common and
   * free of side effects until they are certain.
   */
  fast?(ctx: FastCtx): Promise<FastReply | undefined>;
}

/** What a fast-lane answer may use: no request or response objects. */
export interface FastCtx {
  deps: Deps;
  method: 'GET' | 'HEAD';
  /** The `Range` header, if any. */
  range: string | undefined;
  params: Record<string, string>;
  cache: CacheRecord | undefined;
  token: TokenRecord | undefined;
}

/** Defines a route; a function so route files read as declarations. */
export const defineRoute = (r: Route): Route => r;

export const cacheOf = (ctx: Ctx): CacheRecord => {
  if (!ctx.cache) throw new Error('route declared no cache access');
  return ctx.cache;
};
