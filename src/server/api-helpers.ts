import type { CacheRecord } from '../index/index.ts';
import { badRequest, payloadTooLarge } from '../util/http-error.ts';
import { readSmallBody } from '../util/read-body.ts';
import type { Ctx } from './context.ts';

/** Reads a JSON object body (at most 1 MiB). */
export async function readJson(ctx: Ctx): Promise<Record<string, unknown>> {
  const body = await readSmallBody(ctx.req, 1 << 20, () =>
    payloadTooLarge('a JSON body may have at most 1 MiB'),
  );
  if (body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('the body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw badRequest('the body must be a JSON object');
  return v as Record<string, unknown>;
}

/** The server's base URL as clients see it: `public_url`, else the request's Host. */
export function baseUrl(ctx: Ctx): string {
  return ctx.deps.config.publicUrl ?? `http://${ctx.req.headers.host ?? 'localhost'}`;
}

/** A cache as the API shows it; the secret key never leaves the server. */
export function cacheView(ctx: Ctx, c: CacheRecord) {
  return {
    name: c.name,
    url: `${baseUrl(ctx)}/${c.name}`,
    publicKey: c.publicKey,
    public: c.public,
    priority: c.priority,
    quota: c.quota ?? null,
    storeDir: ctx.deps.config.storeDir,
    createdAt: new Date(c.createdAt).toISOString(),
  };
}

export const optBool = (body: Record<string, unknown>, key: string): boolean | undefined => {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be true or false`);
  return v;
};

export const optInt = (body: Record<string, unknown>, key: string): number | undefined => {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw badRequest(`${key} must be a non-negative integer`);
  return v;
};
