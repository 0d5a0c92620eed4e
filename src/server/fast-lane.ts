import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { type FastRequest, parseHead } from './fast-head.ts';

/**
 * An answer the fast lane writes: a small body whole (narinfos), or a length and a writer
 * that puts exactly that many bytes on the socket and leaves it open (NARs).
 */
export interface FastReply {
  status: number;
  contentType: string;
  /** More header fields (lower case); content-length, date and connection are added. */
  headers?: Record<string, string | number>;
  body: Buffer | { length: number; write(socket: Socket): Promise<void> };
}

/** Answers a request, or declines it (undefined) so node:http serves it instead. */
export type FastHandler = (req: FastRequest) => Promise<FastReply | undefined>;

export interface FastLane {
  /** Ends the connections that wait for their next request; the others after their answer. */
  closeIdle(): void;
  /** Destroys every connection still in the fast lane. */
  closeAll(): void;
}

export interface FastLaneOptions {
  /** Node's `maxHeaderSize`: a longer head is node's to refuse (431). */
  maxHead: number;
  /** Node's `keepAliveTimeout`: an idle connection is closed after this long. */
  idleMs: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
/** Pipelined requests waiting while one is answered, and answers the client has not read. */
const MAX_BUFFERED = 256 * 1024;
const REASON: Record<number, string> = { 200: 'OK', 206: 'Partial Content', 404: 'Not Found' };

/**
 * Takes every new connection of `server` and answers the requests `handle` accepts with
 * pre-rendered bytes, skipping node:http's per-request objects: a narinfo lookup costs a
 * third less CPU this way, which is most of the gap to nginx. At the first request it
 * declines (or that is incomplete in what has arrived), the connection with every unread
 * byte goes to node:http for the rest of its life, so uploads, NAR downloads, errors and
 * anything unusual keep one implementation.
 */
export function installFastLane(
  server: Server,
  handle: FastHandler,
  opts: FastLaneOptions,
): FastLane {
  const own = server.listeners('connection');
  if (own.length !== 1) throw new Error('the fast lane must be installed on a fresh http.Server');
  const nodeConnection = own[0] as (socket: Socket) => void;
  server.removeListener('connection', nodeConnection);
  const open: Open = new Set<Connection>();
  const toNode = (socket: Socket, unread: Buffer) => {
    nodeConnection.call(server, socket);
    // Synchronously, before the event loop can deliver newer bytes to node's parser.
    if (unread.length > 0) socket.emit('data', unread);
    if (socket.isPaused()) socket.resume();
  };
  server.on('connection', (socket: Socket) => {
    open.add(new Connection(socket, handle, opts, toNode, open));
  });
  return {
    closeIdle: () => {
      open.closing = true;
      for (const c of open) c.closeIfIdle();
    },
    closeAll: () => {
      for (const c of open) c.socket.destroy();
    },
  };
}

/** The connections still in the fast lane; `closing` once the server stops. */
type Open = Set<Connection> & { closing?: boolean };

let dateSecond = 0;
let dateHeader = '';
/** RFC 9110 §6.6.1: an origin server with a clock sends Date; formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateHeader = new Date(now).toUTCString();
  }
  return dateHeader;
}

class Connection {
  readonly socket: Socket;
  private readonly handle: FastHandler;
  private readonly opts: FastLaneOptions;
  private readonly toNode: (socket: Socket, unread: Buffer) => void;
  private readonly open: Open;
  private pending: Buffer = EMPTY;
  private busy = false;
  private done = false;

  constructor(
    socket: Socket,
    handle: FastHandler,
    opts: FastLaneOptions,
    toNode: (socket: Socket, unread: Buffer) => void,
    open: Open,
  ) {
    this.socket = socket;
    this.handle = handle;
    this.opts = opts;
    this.toNode = toNode;
    this.open = open;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.setTimeout(opts.idleMs, this.onTimeout);
  }

  closeIfIdle(): void {
    if (!this.busy && this.pending.length === 0) this.socket.end();
  }

  private readonly onData = (chunk: Buffer) => {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.busy) this.next();
    else if (this.pending.length > MAX_BUFFERED) this.socket.pause();
  };

  private readonly onError = () => {
    this.socket.destroy();
  };

  private readonly onClose = () => {
    this.done = true;
    this.open.delete(this);
  };

  private readonly onTimeout = () => {
    this.socket.destroy();
  };

  /** Answers the buffered requests in order, one at a time, as node:http does. */
  private next(): void {
    while (!this.done && this.pending.length > 0) {
      if (this.socket.writableLength > MAX_BUFFERED) {
        this.socket.once('drain', () => this.next());
        return;
      }
      const end = this.pending.indexOf(CRLF2);
      const req =
        end === -1 || end + 4 > this.opts.maxHead
          ? undefined
          : parseHead(this.pending.toString('latin1', 0, end));
      if (!req) {
        this.handOff();
        return;
      }
      this.busy = true;
      this.handle(req).then(
        (reply) => {
          if (this.done) return;
          if (!reply) {
            this.busy = false;
            this.handOff();
            return;
          }
          this.pending = this.pending.subarray(end + 4);
          this.answer(req, reply).then(
            () => {
              this.busy = false;
              if (!req.keepAlive || this.open.closing) {
                this.done = true;
                this.socket.end();
                return;
              }
              if (this.socket.isPaused() && this.pending.length <= MAX_BUFFERED) {
                this.socket.resume();
              }
              this.next();
            },
            () => {
              // A body that broke off mid-way cannot be mended: the client sees a short answer.
              this.done = true;
              this.socket.destroy();
            },
          );
        },
        () => {
          // The handler failed: node:http answers the same request and logs why.
          this.busy = false;
          if (!this.done) this.handOff();
        },
      );
      return;
    }
  }

  /** Writes one answer; resolves once a streamed body is on the socket. */
  private async answer(req: FastRequest, reply: FastReply): Promise<void> {
    this.write(req, reply);
    const body = reply.body;
    if (req.method === 'HEAD' || Buffer.isBuffer(body)) return;
    await body.write(this.socket);
  }

  private write(req: FastRequest, reply: FastReply): void {
    let extra = '';
    for (const [k, v] of Object.entries(reply.headers ?? {})) extra += `${k}: ${v}\r\n`;
    const head =
      `HTTP/1.1 ${reply.status} ${REASON[reply.status] ?? ''}\r\n` +
      `content-type: ${reply.contentType}\r\n${extra}` +
      `content-length: ${reply.body.length}\r\n` +
      `date: ${httpDate()}\r\n` +
      (req.keepAlive && !this.open.closing
        ? `connection: keep-alive\r\nkeep-alive: timeout=${Math.floor(this.opts.idleMs / 1000)}\r\n\r\n`
        : 'connection: close\r\n\r\n');
    const body = reply.body;
    if (req.method === 'HEAD' || !Buffer.isBuffer(body)) {
      this.socket.write(head, 'latin1');
      return;
    }
    // One buffer, one write: cheaper than a corked writev of head and body.
    const n = Buffer.byteLength(head, 'latin1');
    const out = Buffer.allocUnsafe(n + body.length);
    out.write(head, 0, 'latin1');
    body.copy(out, n);
    this.socket.write(out);
  }

  private handOff(): void {
    this.done = true;
    const s = this.socket;
    s.removeListener('data', this.onData);
    s.removeListener('error', this.onError);
    s.removeListener('close', this.onClose);
    s.setTimeout(0);
    s.removeListener('timeout', this.onTimeout);
    this.open.delete(this);
    let unread = this.pending;
    // A paused socket may hold bytes read but not yet emitted: they come after `pending`.
    for (let c: Buffer | null = s.read(); c !== null; c = s.read()) {
      unread = Buffer.concat([unread, c]);
    }
    this.pending = EMPTY;
    this.toNode(s, unread);
  }
}
