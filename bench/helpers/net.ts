import { createServer } from 'node:net';

/** A port on 127.0.0.1 that was free a moment ago (for servers that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `url` until it answers at all (any status), for at most `ms`. */
export async function waitForHttp(url: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      return;
    } catch (err) {
      if (Date.now() > until)
        throw new Error(`${url} did not answer within ${ms} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
