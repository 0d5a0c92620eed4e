/**
 * The request heads the fast lane answers itself: `GET` or `HEAD`, origin-form target,
 * HTTP/1.0 or 1.1, no body, nothing to negotiate. Everything else (and anything odd:
 * duplicate framing headers, obs-fold, control bytes, a missing Host) is declined, and
 * node:http parses the same bytes from the start, with its own limits and errors.
 */
export interface FastRequest {
  method: 'GET' | 'HEAD';
  /** The path, without the query. */
  path: string;
  query: string;
  authorization: string | undefined;
  range: string | undefined;
  /** Whether the connection stays open after the answer (RFC 9112 §9.3). */
  keepAlive: boolean;
}

// RFC 9112 §3: request-line = method SP request-target SP HTTP-version. Visible ASCII only.
const REQUEST_LINE = /^(GET|HEAD) (\/[!-~]*) HTTP\/1\.([01])$/;
// RFC 9110 §5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * A field value without its surrounding SP and HTAB (RFC 9110 §5.5), or undefined when it
 * holds anything but visible ASCII, obs-text, SP and HTAB (node refuses those too).
 */
function fieldValue(line: string, from: number): string | undefined {
  let start = from;
  let end = line.length;
  for (let i = from; i < end; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return undefined;
  }
  while (start < end && (line.charCodeAt(start) === 0x20 || line.charCodeAt(start) === 0x09))
    start++;
  while (end > start && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09))
    end--;
  return line.slice(start, end);
}

/** Parses a request head (without its final CRLF CRLF); undefined means "not for the fast lane". */
export function parseHead(head: string): FastRequest | undefined {
  let eol = head.indexOf('\r\n');
  const m = REQUEST_LINE.exec(eol === -1 ? head : head.slice(0, eol));
  if (!m) return undefined;
  const http10 = m[3] === '0';
  let host = false;
  let authorization: string | undefined;
  let range: string | undefined;
  let connection = '';
  while (eol !== -1) {
    const from = eol + 2;
    eol = head.indexOf('\r\n', from);
    const line = eol === -1 ? head.slice(from) : head.slice(from, eol);
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const value = fieldValue(line, colon + 1);
    if (value === undefined) return undefined;
    switch (name.toLowerCase()) {
      case 'host':
        if (host) return undefined;
        host = true;
        break;
      case 'authorization':
        if (authorization !== undefined) return undefined;
        authorization = value;
        break;
      case 'range':
        if (range !== undefined) return undefined;
        range = value;
        break;
      case 'connection':
        connection += `,${value.toLowerCase()}`;
        break;
      // A body, or a protocol change: node:http's business.
      case 'content-length':
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return undefined;
    }
  }
  // RFC 9112 §3.2: a 1.1 request without Host is a 400, which node:http answers.
  if (!host && !http10) return undefined;
  const tokens = connection === '' ? [] : connection.split(',').map((t) => t.trim());
  const keepAlive = http10 ? tokens.includes('keep-alive') : !tokens.includes('close');
  const target = m[2] as string;
  const q = target.indexOf('?');
  return {
    method: m[1] as 'GET' | 'HEAD',
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    authorization,
    range,
    keepAlive,
  };
}
