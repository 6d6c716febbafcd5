// A street network on loopback: a TCP proxy between Chromium and the test server that can
// slow, stall and cut the link, and counts the bytes that cross it.
//
// Chromium's own offline switch lets a request already on the wire finish, and its throttling
// works per request; this works on the connections themselves, as a weak mobile link does:
// - `rate(up, down)`: bytes per second each way (0: no limit), paced in small slices;
// - `stall()`: connected but silent (lie-fi): nothing is forwarded, connections stay open;
// - `cut()`: every open connection dropped at once (both sides see it), new ones still taken;
// - `down()`: every connection dropped and new ones refused until `up()`;
// - `up()`: forward again at the set rate.
import { createServer, connect, type Server, type Socket } from 'node:net';

type Mode = 'pass' | 'stall' | 'down';

/** A request the browser sent, and its bytes (headers and body, the browser's resends included). */
export interface SentRequest {
  method: string;
  path: string;
  /** Bytes that crossed the link to the server. */
  bytes: number;
  /** Bytes that left the browser for it, including those lost in a cut before crossing. */
  offered: number;
  /** Its `Upload-Offset` header, if it sent one (a piece of a photo upload). */
  uploadOffset?: number;
}

/** Bytes per pacing slice: a slice every 50 ms. */
const SLICE_MS = 50;
/** Queued bytes per direction before the sending side is paused (back-pressure). */
const HIGH_WATER = 16 * 1024;

class Pipe {
  /** Bytes read from the sender and not yet across the link, with the request they belong to. */
  readonly queue: { buf: Buffer; req: SentRequest | null }[] = [];
  queued = 0;
  readonly from: Socket;
  readonly to: Socket;
  readonly count: (n: number) => void;
  // No parameter properties: Node runs this file as it is (type stripping), for the benchmarks.
  constructor(from: Socket, to: Socket, count: (n: number) => void) {
    this.from = from;
    this.to = to;
    this.count = count;
  }
}

export class LinkProxy {
  readonly target: number;
  #server: Server | null = null;
  #mode: Mode = 'pass';
  #up = 0;
  #down = 0;
  #pipes = new Set<{ a: Socket; b: Socket; pipes: [Pipe, Pipe] }>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #turn = 0;
  /** Bytes the browser sent towards the server (delivered or lost in a cut), and back, since `resetCounts()`. */
  sentUp = 0;
  sentDown = 0;
  /** Connections opened by the browser since `resetCounts()`. */
  connections = 0;
  port = 0;
  /** The requests the browser sent since `resetCounts()`, with the bytes each took up. */
  requests: SentRequest[] = [];

  /** Bytes the matching requests took across the link (`offered`: that left the browser). */
  sentUpBy(match: (r: SentRequest) => boolean, which: 'bytes' | 'offered' = 'bytes'): number {
    return this.requests.filter(match).reduce((n, r) => n + r[which], 0);
  }

  constructor(target: number) {
    this.target = target;
  }

  get url(): string {
    return `http://localhost:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.#server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.#server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    this.#timer = setInterval(() => this.#pump(), SLICE_MS);
    return this;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#dropAll();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Bytes per second from the browser (`up`) and to it (`down`); 0: as fast as loopback. */
  rate(up: number, down = 0): void {
    this.#up = up;
    this.#down = down;
  }

  stall(): void {
    this.#mode = 'stall';
  }

  cut(): void {
    this.#dropAll();
  }

  down(): void {
    this.#mode = 'down';
    this.#dropAll();
  }

  up(): void {
    this.#mode = 'pass';
  }

  resetCounts(): void {
    this.sentUp = 0;
    this.sentDown = 0;
    this.connections = 0;
    this.requests = [];
  }

  #accept(client: Socket): void {
    if (this.#mode === 'down') {
      client.destroy();
      return;
    }
    this.connections++;
    const server = connect(this.target, '127.0.0.1');
    const upPipe = new Pipe(client, server, (n) => (this.sentUp += n));
    const downPipe = new Pipe(server, client, (n) => (this.sentDown += n));
    const entry = { a: client, b: server, pipes: [upPipe, downPipe] as [Pipe, Pipe] };
    let current: SentRequest | null = null;
    this.#pipes.add(entry);
    const close = () => {
      if (!this.#pipes.has(entry)) return;
      this.#pipes.delete(entry);
      client.destroy();
      server.destroy();
    };
    for (const p of entry.pipes) {
      p.from.on('data', (chunk: Buffer) => {
        p.count(chunk.length); // counted as it leaves its sender, delivered or not
        if (p === upPipe) {
          // HTTP/1.1 carries one request at a time on a connection: its bytes are the last
          // request line's (a new request starts a new chunk in practice).
          const head = chunk.subarray(0, 2048).toString('latin1');
          const line = /^(GET|HEAD|POST|PATCH|PUT|DELETE) (\S+)/.exec(head);
          if (line) {
            const offset = /\r\nupload-offset:\s*(\d+)/i.exec(head);
            current = { method: line[1]!, path: line[2]!, bytes: 0, offered: 0 };
            if (offset) current.uploadOffset = Number(offset[1]);
            this.requests.push(current);
          }
          if (current) current.offered += chunk.length;
        }
        p.queue.push({ buf: chunk, req: p === upPipe ? current : null });
        p.queued += chunk.length;
        if (p.queued > HIGH_WATER) p.from.pause();
        if (this.#mode === 'pass' && (p === upPipe ? this.#up : this.#down) === 0) this.#flush(p, Infinity);
      });
      // A side that ends: pass the end on once its bytes are through (see #pump).
      p.from.on('end', () => ((p.from as Socket & { ended?: boolean }).ended = true));
    }
    client.on('error', close);
    server.on('error', close);
    client.on('close', close);
    server.on('close', close);
  }

  /** One slice of the link: each direction's budget shared by all connections, in turn. */
  #pump(): void {
    if (this.#mode !== 'pass') return;
    const entries = [...this.#pipes];
    // Start at the next connection each slice, so none starves. Once per slice, not per
    // direction: stepping twice a slice with two connections open always started at the
    // same one, and a small request beside an upload never got a byte across.
    const start = entries.length ? this.#turn++ % entries.length : 0;
    for (const dir of [0, 1] as const) {
      const rate = dir === 0 ? this.#up : this.#down;
      let budget = rate ? (rate * SLICE_MS) / 1000 : Infinity;
      for (let i = 0; i < entries.length && budget > 0; i++) {
        const p = entries[(start + i) % entries.length]!.pipes[dir];
        budget -= this.#flush(p, budget);
      }
    }
  }

  /** Forwards up to `budget` queued bytes of `p` (answers how many), then passes on an end once all is through. */
  #flush(p: Pipe, budget: number): number {
    let left = Math.floor(budget);
    let moved = 0;
    while (p.queue.length > 0 && left > 0) {
      const head = p.queue[0]!;
      const piece = head.buf.length <= left ? head.buf : head.buf.subarray(0, left);
      if (piece === head.buf) p.queue.shift();
      else head.buf = head.buf.subarray(left);
      if (head.req) head.req.bytes += piece.length;
      p.queued -= piece.length;
      left -= piece.length;
      moved += piece.length;
      if (!p.to.destroyed) p.to.write(piece);
    }
    if (p.queued <= HIGH_WATER / 2 && p.from.isPaused()) p.from.resume();
    if (p.queue.length === 0 && (p.from as Socket & { ended?: boolean }).ended && !p.to.destroyed) p.to.end();
    return moved;
  }

  #dropAll(): void {
    for (const e of this.#pipes) {
      // A reset, as when a radio link goes: neither side gets a clean end.
      e.a.resetAndDestroy();
      e.b.resetAndDestroy();
    }
    this.#pipes.clear();
  }
}
