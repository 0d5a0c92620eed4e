import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { ClientError } from './errors.ts';

export interface HttpResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An HTTP failure worth retrying: the connection broke, or the server said "later". */
export class TransientError extends Error {
  override name = 'TransientError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
]);
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * One HTTP request whose body may be a stream (sent chunked, with backpressure). Answers
 * with status and text body; a broken connection or a 408/429/5xx becomes TransientError.
 */
export function send(
  method: string,
  url: string,
  opts: {
    headers?: Record<string, string>;
    body?: string | Buffer | Readable;
    signal?: AbortSignal;
  } = {},
): Promise<HttpResult> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method, headers: opts.headers, signal: opts.signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        // Answers are JSON or narinfo text; a runaway body is cut off rather than held.
        if (body.length < 32 * 1024 * 1024) body += d;
      });
      res.on('error', (err) => reject(new TransientError(`response broke off: ${err.message}`)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (TRANSIENT_STATUS.has(status)) {
          const ra = Number(res.headers['retry-after']);
          return reject(
            new TransientError(
              `${status} ${messageOf(body) ?? ''}`.trim(),
              Number.isFinite(ra) ? ra * 1000 : undefined,
            ),
          );
        }
        resolve({ status, headers: res.headers, body });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (opts.signal?.aborted) return reject(err);
      if (TRANSIENT_CODES.has(err.code ?? '') || /socket hang up/.test(err.message)) {
        return reject(new TransientError(`cannot reach ${u.origin}: ${err.code ?? err.message}`));
      }
      reject(
        new ClientError(`cannot reach ${u.origin}: ${err.code ?? err.message}`, { cause: err }),
      );
    });
    const body = opts.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

/** The `message` of a larder JSON error body, if it is one. */
export function messageOf(body: string): string | undefined {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return body.trim().slice(0, 200) || undefined;
  }
}

/** Runs `fn` again on TransientError, with exponential backoff (or the server's Retry-After). */
export async function withRetries<T>(
  what: string,
  fn: () => Promise<T>,
  opts: {
    attempts?: number;
    baseMs?: number;
    onRetry?: (err: Error, attempt: number) => void;
  } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof TransientError) || attempt >= attempts) {
        if (err instanceof TransientError) {
          throw new ClientError(`${what}: ${err.message} (gave up after ${attempt} attempts)`);
        }
        throw err;
      }
      opts.onRetry?.(err, attempt);
      const delay = err.retryAfterMs ?? Math.min(10_000, (opts.baseMs ?? 200) * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
