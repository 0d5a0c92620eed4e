import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { UpstreamLookup } from '../../src/upstream/index.ts';

const KEY = 'cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=';
const hash = (i: number) =>
  String(i)
    .padStart(32, '0')
    .replace(/[^0-9]/g, 'a');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('upstream lookups', () => {
  const sockets: Socket[] = [];
  after(() => {
    for (const s of sockets) s.destroy();
  });

  it('gives up on a silent upstream after one round of timeouts, and tells nothing', async () => {
    let requests = 0;
    // Reads requests and never answers. (The HTTP client may open a spare connection after
    // an abort; what counts is requests sent.)
    const silent = createServer((s) => {
      sockets.push(s);
      s.on('data', (d: Buffer) => {
        requests += d.toString().match(/^GET /gm)?.length ?? 0;
      });
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const lookup = new UpstreamLookup({
        storeDir: '/nix/store',
        logger: quiet,
        concurrency: 2,
        timeoutMs: 200,
      });
      const ups = [{ url: `http://127.0.0.1:${port}/main`, publicKey: KEY }];
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => lookup.find(ups, hash(i))),
      );
      assert.deepEqual(new Set(answers), new Set([undefined]));
      assert.equal(requests, 2, 'only the first two requests were sent');
      assert.equal(await lookup.find(ups, hash(99)), undefined);
      assert.equal(requests, 2, 'a down upstream is not asked');
    } finally {
      silent.close();
    }
  });

  it('remembers "not there" for the negative TTL only', async () => {
    let requests = 0;
    const server = createHttpServer((_req, res) => {
      requests++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    let now = 0;
    try {
      const lookup = new UpstreamLookup({
        storeDir: '/nix/store',
        logger: quiet,
        negativeTtlMs: 1000,
        now: () => now,
      });
      const ups = [{ url: `http://127.0.0.1:${port}/main`, publicKey: KEY }];
      await Promise.all([lookup.find(ups, hash(1)), lookup.find(ups, hash(1))]);
      await lookup.find(ups, hash(1));
      assert.equal(requests, 1, 'concurrent and later asks share one request');
      now = 1001;
      await lookup.find(ups, hash(1));
      assert.equal(requests, 2, 'asked again once the answer expired');
    } finally {
      server.close();
    }
  });
});
