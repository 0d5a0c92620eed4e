import type { ServerResponse } from 'node:http';

/** Sends a JSON body with its length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': data.length,
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : data);
}

/** Sends a small text body with its length (HEAD gets the headers only). */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': contentType, 'content-length': data.length, ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : data);
}
