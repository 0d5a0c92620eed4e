/** The one HTTP error type: a status, a machine code and a sentence for people. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string> | undefined;
  constructor(status: number, code: string, message: string, headers?: Record<string, string>) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export const badRequest = (message: string, field?: string) =>
  new HttpError(
    400,
    field ? `invalid_${field.toLowerCase()}` : 'bad_request',
    field ? `${field}: ${message}` : message,
  );
export const unauthorized = (
  message = 'a token is required: send it as a Bearer token or as the password of HTTP Basic',
) => new HttpError(401, 'unauthorized', message, { 'www-authenticate': 'Basic realm="larder"' });
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);
export const methodNotAllowed = (allow: string[]) =>
  new HttpError(405, 'method_not_allowed', `method not allowed (allowed: ${allow.join(', ')})`, {
    allow: allow.join(', '),
  });
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
export const payloadTooLarge = (message: string) => new HttpError(413, 'too_large', message);
export const rangeNotSatisfiable = (size: number) =>
  new HttpError(416, 'range_not_satisfiable', 'requested range is outside the file', {
    'content-range': `bytes */${size}`,
  });
