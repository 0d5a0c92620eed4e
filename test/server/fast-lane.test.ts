import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnServer } from '../helpers/process-server.ts';
import { authed, startServer, type TestServer } from '../helpers/server.ts';
import { makeUpload, type Upload } from '../helpers/upload.ts';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw HTTP/1.1 client: writes exactly the given bytes (so requests can be pipelined or
 * split anywhere) and parses `count` answers, in order, off the one connection.
 */
class Raw {
  readonly socket: Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  ended = false;

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('end', () => {
      this.ended = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async send(...parts: (string | Buffer)[]): Promise<void> {
    for (const p of parts) {
      await new Promise<void>((resolve) => this.socket.write(p, () => resolve()));
    }
  }

  private async more(): Promise<void> {
    if (this.ended) throw new Error(`connection closed; unread: ${this.buf.toString()}`);
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Reads one answer; `head` answers (to HEAD) carry no body whatever their length says. */
  async answer(head = false, binary = false): Promise<Answer & { raw: Buffer }> {
    let end = this.buf.indexOf('\r\n\r\n');
    while (end === -1) {
      await this.more();
      end = this.buf.indexOf('\r\n\r\n');
    }
    const lines = this.buf.toString('latin1', 0, end).split('\r\n');
    const status = Number((lines[0] as string).split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const length = head ? 0 : Number(headers['content-length'] ?? 0);
    while (this.buf.length < end + 4 + length) await this.more();
    const raw = Buffer.from(this.buf.subarray(end + 4, end + 4 + length));
    const body = binary ? '' : raw.toString('utf8');
    this.buf = this.buf.subarray(end + 4 + length);
    return { status, headers, body, raw };
  }

  async closed(): Promise<boolean> {
    while (!this.ended) await this.more().catch(() => {});
    return this.buf.length === 0;
  }
}

let bearer = '';
const get = (path: string, extra = bearer) =>
  `GET ${path} HTTP/1.1\r\nHost: larder\r\n${extra}\r\n`;

describe('the fast lane for narinfo lookups', () => {
  let s: TestServer;
  let port: number;
  let present: Upload;
  let absent: Upload;

  before(async () => {
    s = await startServer();
    port = Number(new URL(s.url).port);
    bearer = `Authorization: Bearer ${s.adminToken}\r\n`;
    present = await makeUpload('fast-present');
    absent = await makeUpload('fast-absent');
    const nar = await fetch(
      `${s.url}/main/nar/${present.fileName}`,
      authed(s.adminToken, { method: 'PUT', body: present.file }),
    );
    assert.equal(nar.status, 201);
    const info = await fetch(
      `${s.url}/main/${present.hashPart}.narinfo`,
      authed(s.adminToken, { method: 'PUT', body: present.narinfo() }),
    );
    assert.equal(info.status, 201);
  });
  after(async () => {
    await s.close();
    assert.deepEqual(s.errors, []);
  });

  it('answers pipelined lookups in order, then hands the connection to node:http', async () => {
    const reference = await (
      await fetch(`${s.url}/main/${present.hashPart}.narinfo`, authed(s.adminToken))
    ).text();
    const raw = new Raw(port);
    const upload = await makeUpload('fast-upload');
    const body = upload.narinfo();
    // One write: hit, miss, HEAD, cache info, then an upload that only node:http takes
    // (its body split from its head), on the same connection.
    await raw.send(
      get(`/main/${present.hashPart}.narinfo`) +
        get(`/main/${absent.hashPart}.narinfo`) +
        `HEAD /main/${present.hashPart}.narinfo HTTP/1.1\r\nHost: larder\r\n${bearer}\r\n` +
        get('/main/nix-cache-info') +
        `PUT /main/nar/${upload.fileName} HTTP/1.1\r\nHost: larder\r\n${bearer}` +
        `Content-Length: ${upload.file.length}\r\n\r\n`,
      upload.file,
    );
    const hit = await raw.answer();
    assert.equal(hit.status, 200);
    assert.equal(hit.headers['content-type'], 'text/x-nix-narinfo');
    assert.equal(hit.body, reference);
    assert.ok(hit.headers.date, 'a Date header');
    const miss = await raw.answer();
    assert.equal(miss.status, 404);
    assert.equal(JSON.parse(miss.body).code, 'not_found');
    const head = await raw.answer(true);
    assert.equal(head.status, 200);
    assert.equal(Number(head.headers['content-length']), Buffer.byteLength(reference));
    const info = await raw.answer();
    assert.match(info.body, /^StoreDir: \/nix\/store\nWantMassQuery: 1\n/);
    const nar = await raw.answer();
    assert.equal(nar.status, 201, nar.body);
    // node:http runs pipelined handlers at once, so each upload waits for the last answer.
    await raw.send(
      `PUT /main/${upload.hashPart}.narinfo HTTP/1.1\r\nHost: larder\r\n${bearer}` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const accepted = await raw.answer();
    assert.equal(accepted.status, 201, accepted.body);
    await raw.send(get(`/main/${upload.hashPart}.narinfo`));
    const pushed = await raw.answer();
    assert.equal(pushed.status, 200);
    assert.match(pushed.body, new RegExp(`^StorePath: ${upload.storePath}$`, 'm'));
    raw.socket.destroy();

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /route="getNarinfo",method="GET",status="200",lane="fast"\} [1-9]/);
    assert.match(metrics, /route="getNarinfo",method="GET",status="404",lane="fast"\} [1-9]/);
    assert.match(metrics, /route="getNarinfo",method="GET",status="200",lane="node"\} [1-9]/);
    assert.match(metrics, /route="putNar",method="PUT",status="201",lane="node"\} [1-9]/);
  });

  it('streams NARs whole, by range and to many clients at once, byte for byte', async () => {
    // Larger than the copy's 1 MiB buffers, so each NAR takes several reused ones.
    const big = await Promise.all(
      ['fast-big-a', 'fast-big-b', 'fast-big-c'].map((n) =>
        makeUpload(n, randomBytes(5 * 1024 * 1024 + 17), 'none'),
      ),
    );
    for (const u of big) {
      const put = await fetch(
        `${s.url}/main/nar/${u.fileName}`,
        authed(s.adminToken, { method: 'PUT', body: u.file }),
      );
      assert.equal(put.status, 201, await put.text());
    }
    const raw = new Raw(port);
    const [a, b] = big as [Upload, Upload, Upload];
    // A client that reads late: the server's writes queue up behind a full socket buffer,
    // holding its chunks while it reads the next ones.
    raw.socket.pause();
    setTimeout(() => raw.socket.resume(), 300);
    await raw.send(
      get(`/main/nar/${a.fileName}`) +
        get(`/main/nar/${b.fileName}`, `${bearer}Range: bytes=1048570-2097160\r\n`) +
        `HEAD /main/nar/${a.fileName} HTTP/1.1\r\nHost: larder\r\n${bearer}\r\n` +
        get(`/main/${present.hashPart}.narinfo`),
    );
    const whole = await raw.answer(false, true);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.ok(whole.raw.equals(a.file), 'the whole NAR, byte for byte');
    const part = await raw.answer(false, true);
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1048570-2097160/${b.file.length}`);
    assert.ok(part.raw.equals(b.file.subarray(1048570, 2097161)));
    const head = await raw.answer(true);
    assert.equal(Number(head.headers['content-length']), a.file.length);
    assert.equal((await raw.answer()).status, 200);
    raw.socket.destroy();

    // Six at once, two of each, with one client leaving half-way through.
    const quitter = new Raw(port);
    await quitter.send(get(`/main/nar/${a.fileName}`));
    const all = await Promise.all(
      [...big, ...big].map(async (u) => {
        const res = await fetch(`${s.url}/main/nar/${u.fileName}`, authed(s.adminToken));
        return Buffer.from(await res.arrayBuffer()).equals(u.file);
      }),
    );
    quitter.socket.destroy();
    assert.deepEqual(all, [true, true, true, true, true, true]);
    const after = await fetch(`${s.url}/main/nar/${a.fileName}`, authed(s.adminToken));
    assert.ok(Buffer.from(await after.arrayBuffer()).equals(a.file));

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /route="getNar",method="GET",status="200",lane="fast"\} [1-9]/);
    assert.match(metrics, /route="getNar",method="GET",status="206",lane="fast"\} 1/);
  });

  it('answers a request that arrives a byte at a time', async () => {
    const raw = new Raw(port);
    raw.socket.setNoDelay(true);
    for (const ch of get(`/main/${present.hashPart}.narinfo`)) await raw.send(ch);
    const a = await raw.answer();
    assert.equal(a.status, 200);
    assert.match(a.body, new RegExp(`^StorePath: ${present.storePath}$`, 'm'));
    raw.socket.destroy();
  });

  it('closes after the answer when the client asks for it, and for HTTP/1.0', async () => {
    const close = new Raw(port);
    await close.send(get(`/main/${present.hashPart}.narinfo`, `${bearer}Connection: close\r\n`));
    assert.equal((await close.answer()).headers.connection, 'close');
    assert.ok(await close.closed());

    const old = new Raw(port);
    await old.send(`GET /main/${present.hashPart}.narinfo HTTP/1.0\r\n${bearer}\r\n`);
    assert.equal((await old.answer()).status, 200);
    assert.ok(await old.closed());

    const kept = new Raw(port);
    await kept.send(
      `GET /main/${present.hashPart}.narinfo HTTP/1.0\r\n${bearer}Connection: keep-alive\r\n\r\n`,
    );
    assert.equal((await kept.answer()).headers.connection, 'keep-alive');
    await kept.send(get(`/main/${present.hashPart}.narinfo`));
    assert.equal((await kept.answer()).status, 200);
    kept.socket.destroy();
  });

  it('leaves malformed, oversized and smuggling-shaped requests to node:http', async () => {
    const cases: [string, number][] = [
      [get('/main/../main/nix-cache-info'), 400],
      [get('/main/%2e%2e/nix-cache-info'), 400],
      [get(`/main/${present.hashPart}.narinfo`, `${bearer}X-Big: ${'a'.repeat(20_000)}\r\n`), 431],
    ];
    for (const [request, status] of cases) {
      const raw = new Raw(port);
      await raw.send(request);
      assert.equal((await raw.answer()).status, status, request.slice(0, 60));
      raw.socket.destroy();
    }
    // A body on a GET is node's to frame: the bytes after it are a request of their own.
    const raw = new Raw(port);
    await raw.send(
      `GET /main/${present.hashPart}.narinfo HTTP/1.1\r\nHost: a\r\n${bearer}Content-Length: 5\r\n\r\n` +
        `hello${get(`/main/${absent.hashPart}.narinfo`)}`,
    );
    assert.equal((await raw.answer()).status, 200);
    assert.equal((await raw.answer()).status, 404);
    raw.socket.destroy();
  });

  it('checks tokens as the full route does, revocation included', async () => {
    const created = await fetch(
      `${s.url}/_api/v1/caches`,
      authed(s.adminToken, {
        method: 'POST',
        body: JSON.stringify({ name: 'secret', public: false }),
      }),
    );
    assert.equal(created.status, 201, await created.text());
    const tok = (await (
      await fetch(
        `${s.url}/_api/v1/tokens`,
        authed(s.adminToken, {
          method: 'POST',
          body: JSON.stringify({ grants: [{ cache: 'secret', scopes: ['pull'] }] }),
        }),
      )
    ).json()) as { token: string; id: string };
    const basic = `Authorization: Basic ${Buffer.from(`nix:${tok.token}`).toString('base64')}\r\n`;
    const raw = new Raw(port);
    await raw.send(get('/secret/nix-cache-info', basic) + get('/secret/nix-cache-info', ''));
    assert.equal((await raw.answer()).status, 200);
    const anonymous = await raw.answer();
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers['www-authenticate'] ?? '', /Basic/);
    raw.socket.destroy();

    const revoked = await fetch(
      `${s.url}/_api/v1/tokens/${tok.id}`,
      authed(s.adminToken, { method: 'DELETE' }),
    );
    assert.ok(revoked.ok, await revoked.text());
    const again = new Raw(port);
    await again.send(get('/secret/nix-cache-info', basic));
    assert.equal((await again.answer()).status, 401);
    again.socket.destroy();
  });

  it('lets larder serve stop on SIGTERM with a kept-alive connection open', {
    timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'larder-fast-stop-'));
    try {
      const p = await spawnServer(dir);
      const raw = new Raw(Number(new URL(p.url).port));
      await raw.send(get('/main/nix-cache-info', `Authorization: Bearer ${p.adminToken}\r\n`));
      assert.equal((await raw.answer()).status, 200);
      const exited = new Promise<number | null>((resolve) => p.child.once('exit', resolve));
      p.child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.ok(await raw.closed(), 'the idle connection was ended');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
