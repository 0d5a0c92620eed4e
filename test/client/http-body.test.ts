import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { send } from '../../src/client/http.ts';

describe('client HTTP', () => {
  it('reads a large JSON answer whole, even in many small chunks', async () => {
    // What `missing` answers for a push of a few thousand paths.
    const paths = Array.from(
      { length: 3000 },
      (_, i) => `/nix/store/${String(i).padStart(32, 'a')}-p`,
    );
    const text = JSON.stringify({ missing: paths });
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < text.length; i += 1000) res.write(text.slice(i, i + 1000));
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await send('GET', `http://127.0.0.1:${port}/`);
      assert.ok(text.length > 100_000);
      assert.deepEqual(JSON.parse(res.body), { missing: paths });
    } finally {
      server.close();
    }
  });
});
