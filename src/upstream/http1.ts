// A fetch() for plain-HTTP upstreams (the local GPU box: Ollama, llama.cpp, vLLM), on Bun's
// own TCP sockets in the main thread, with keep-alive connections kept per host.
//
// Why not Bun's fetch: its HTTP client runs in a thread of its own, and every request wakes it
// and every body read crosses back (85–108 µs a request in the first-token regime, the
// largest single item of the added time to the first token), and a body read that waits keeps
// a 32 KiB buffer for it (bench/README.md: 1,000 open streams held 32 MiB of them). Here a
// request is written and its answer read where the gateway runs, and an idle stream holds
// nothing but its socket. https:// upstreams (the cloud) and any set-up with a proxy variable
// keep Bun's fetch (registry.ts decides).
//
// What it speaks: HTTP/1.1 requests with a known body; answers framed by Content-Length,
// chunked transfer coding or the connection's close; interim 1xx answers skipped; gzip and
// deflate bodies decoded (asked for identity, but a server may not listen). Redirects are never
// followed (the gateway treats them as failures anyway). An abort ends the exchange at once,
// before or after the headers, and the connection with it.
import type { Socket } from "bun";
import { concat } from "../protocol/bytes.ts";
import type { Abortable, FetchInit } from "./abort-line.ts";

export type Fetch = (url: string, init: FetchInit) => Promise<Response>;

/** Idle keep-alive connections kept per host:port. */
const MAX_IDLE_PER_HOST = 256;
/** An idle connection is closed after this long (servers close theirs after 5–120 s). */
const IDLE_SECONDS = 30;
/** Request bodies up to this many characters are written in one string with the head. */
const SMALL_BODY = 64 * 1024;
/** About how much of a chunked body's data is handed on at a time (chunks() says why). */
const PIECE_BYTES = 16 * 1024;
/** Body bytes read ahead of the reader before the socket is paused. */
const BODY_HIGH_WATER = 64 * 1024;
/** A head (status line and headers) longer than this is not an HTTP answer. */
const MAX_HEAD_BYTES = 64 * 1024;

const CR = 13;
const LF = 10;
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** An error shaped like fetch's, so transport-error.ts words it the same. */
function transportError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const closedEarly = () => transportError("ConnectionClosed", "The socket connection was closed unexpectedly.");

type Framing = { kind: "none" } | { kind: "length"; left: number } | { kind: "chunked" } | { kind: "close" };

/** One request and its answer, on one connection. */
class Exchange {
  /** The answer's head is in: the Response was handed out. */
  answered = false;
  /** Any byte of an answer arrived (a reused connection that closes before this was stale). */
  heard = false;
  done = false;
  private head: Uint8Array | null = null;
  private framing: Framing = { kind: "none" };
  private body: ReadableStreamDefaultController<Uint8Array> | null = null;
  // Chunked coding: what is left of the current chunk's data, or where in its framing we are.
  private chunkLeft = 0;
  private chunkPhase: "size" | "size-rest" | "data" | "data-end" | "trailer" = "size";
  /** Hex digits of the chunk size read so far (at most 12: 256 TiB). */
  private sizeDigits = 0;
  /** Bytes of the trailer line being read. */
  private trailerBytes = 0;
  private decode: string | null = null;
  /** The socket is paused: the reader has BODY_HIGH_WATER bytes it has not taken. */
  private paused = false;

  constructor(
    readonly conn: Conn,
    readonly isHead: boolean,
    private readonly resolve: (r: Response) => void,
    private readonly reject: (e: unknown) => void,
    private readonly signal: Abortable | null,
  ) {}

  /** Bytes from the socket. Returns what is left over past the end of this answer (null: none). */
  feed(data: Uint8Array): Uint8Array | null {
    this.heard = true;
    if (!this.answered) {
      const buf = this.head ? concat(this.head, data) : data;
      const end = headEnd(buf);
      if (end === -1) {
        if (buf.length > MAX_HEAD_BYTES) this.fail(transportError("HeadTooLarge", "The upstream sent no HTTP answer (no end of headers)."));
        else this.head = buf === data ? data.slice() : buf;
        return null;
      }
      this.head = null;
      const opened = this.open(latin1.decode(buf.subarray(0, end.at)), buf, end.next);
      if (opened === "whole") return null;
      const more = end.next < buf.length;
      if (opened === false) return this.done || !more ? null : this.feed(buf.subarray(end.next));
      if (opened) return opened;
      return more ? this.bodyBytes(buf.subarray(end.next)) : this.finishIfEmpty();
    }
    return this.bodyBytes(data);
  }

  /**
   * Parses the head; the bytes after it are `buf` from `at`. False: an interim 1xx answer (the
   * real one follows) or a failure; null: answered, the body follows from `at` and in later
   * reads; "whole": answered whole, nothing left over; bytes: answered whole, these left over.
   */
  private open(head: string, buf: Uint8Array, at: number): false | null | "whole" | Uint8Array {
    // Lines end in CRLF or a bare LF: read from LF to LF in place (no array of lines), the CR
    // going with the value's trim (or below, for the status line).
    let eol = head.indexOf("\n");
    const first = eol === -1 ? head.length : eol;
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(head.slice(0, head.charCodeAt(first - 1) === CR ? first - 1 : first));
    if (!m) {
      this.fail(transportError("BadAnswer", "The upstream did not answer in HTTP/1.x."));
      return false;
    }
    const status = Number(m[2]);
    if (status >= 100 && status < 200 && status !== 101) return false;
    const headers = new Headers();
    let length: number | null = null;
    let chunked = false;
    let close = m[1] === "0";
    // The next colon at or after the line being read, found once for all the lines before it:
    // searching afresh from each line would rescan a head of many colon-less lines (garbage
    // from a bad upstream) once per line.
    let colon = -1;
    while (eol !== -1) {
      const start = eol + 1;
      eol = head.indexOf("\n", start);
      const end = eol === -1 ? head.length : eol;
      if (colon < start) {
        colon = head.indexOf(":", start);
        if (colon === -1) colon = head.length;
      }
      if (colon === start || colon >= end) continue;
      const name = head.slice(start, colon).trim().toLowerCase();
      const value = head.slice(colon + 1, end).trim();
      try {
        headers.append(name, value);
      } catch {
        continue; // a header Headers refuses is not one we could pass on either
      }
      if (name === "content-length") length = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      else if (name === "transfer-encoding") chunked = value.toLowerCase().split(",").at(-1)?.trim() === "chunked";
      else if (name === "connection") close ||= value.toLowerCase().includes("close");
      else if (name === "content-encoding") this.decode = value.toLowerCase();
    }
    if (status < 200 || status > 599 || Number.isNaN(length)) {
      this.fail(transportError("BadAnswer", `The upstream sent an answer this client cannot read (status ${status}).`));
      return false;
    }
    if (this.isHead || status === 204 || status === 304) this.framing = { kind: "none" };
    else if (chunked) this.framing = { kind: "chunked" };
    else if (length !== null) this.framing = { kind: "length", left: length };
    else this.framing = { kind: "close" };
    this.conn.reusable = !close && this.framing.kind !== "close";
    this.answered = true;
    const f = this.framing;
    if (f.kind === "length" && !this.decode && buf.length - at >= f.left) {
      // The whole body came with the head (a small JSON answer, the common case): handed over
      // as bytes, which Bun reads natively, rather than as a stream of one chunk.
      const end = at + f.left;
      const bytes = buf.slice(at, end);
      this.framing = { kind: "none" };
      this.complete();
      this.respond(bytes, status, m[3], headers);
      return end < buf.length ? buf.subarray(end) : "whole";
    }
    let stream: ReadableStream<Uint8Array> | null = null;
    if (f.kind !== "none") {
      stream = new ReadableStream<Uint8Array>(
        {
          start: (ctl) => {
            this.body = ctl;
          },
          // The reader wants more: take the socket's bytes in again.
          pull: () => this.flow(),
          cancel: () => this.conn.destroy(),
        },
        { highWaterMark: BODY_HIGH_WATER, size: (chunk) => chunk?.byteLength ?? 0 },
      );
      if (this.decode && this.decode !== "identity") stream = decoded(stream, this.decode);
    }
    this.respond(stream, status, m[3], headers);
    return null;
  }

  private respond(body: BodyInit | null, status: number, statusText: string | undefined, headers: Headers): void {
    try {
      this.resolve(new Response(body, { status, statusText: statusText ?? "", headers }));
    } catch (err) {
      this.reject(err);
    }
  }

  private finishIfEmpty(): null {
    if (this.framing.kind === "none" || (this.framing.kind === "length" && this.framing.left === 0)) this.complete();
    return null;
  }

  private bodyBytes(data: Uint8Array): Uint8Array | null {
    const f = this.framing;
    switch (f.kind) {
      case "none":
        this.complete();
        return data;
      case "close":
        this.enqueue(data);
        return null;
      case "length": {
        if (data.length < f.left) {
          f.left -= data.length;
          this.enqueue(data);
          return null;
        }
        const mine = data.subarray(0, f.left);
        const rest = data.subarray(f.left);
        f.left = 0;
        if (mine.length) this.enqueue(mine);
        this.complete();
        return rest.length ? rest : null;
      }
      case "chunked":
        return this.chunks(data);
    }
  }

  /**
   * Chunked transfer coding: a size in hex (an extension after it ignored), CRLF, the data,
   * CRLF; size 0, then trailer lines up to a blank one. Read a byte at a time only where the
   * framing is (a few bytes a chunk), the data skipped in bulk; and the data of the chunks in
   * one socket read is handed on joined: a stream whose every event is its own chunk
   * (Bun.serve, sse-starlette) would otherwise cost the reader a read per event.
   */
  private chunks(data: Uint8Array): Uint8Array | null {
    const n = data.length;
    let at = 0;
    // This read's data is gathered in place, in its own buffer: each chunk's bytes moved down
    // over the framing before them (copyWithin, one native move, no new buffer), and handed on
    // from [start, end) once that holds PIECE_BYTES (a whole read as one piece held a burst's
    // event loop too long) or the read is over.
    let start = -1;
    let end = -1;
    while (at < n && !this.done) {
      const phase = this.chunkPhase;
      if (phase === "data") {
        const take = Math.min(this.chunkLeft, n - at);
        if (start === -1) start = end = at;
        else if (end !== at) data.copyWithin(end, at, at + take);
        end += take;
        at += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkPhase = "data-end";
        if (end - start >= PIECE_BYTES) {
          this.enqueue(data.subarray(start, end));
          start = -1;
        }
        continue;
      }
      const c = data[at++];
      if (phase === "size") {
        const digit = hexDigit(c);
        if (digit !== -1 && this.sizeDigits < 12) {
          this.chunkLeft = this.chunkLeft * 16 + digit;
          this.sizeDigits++;
        } else if (this.sizeDigits > 0 && (c === LF || c === CR || c === 0x3b /* ; */ || c === 0x20 || c === 0x09)) {
          this.chunkPhase = c === LF ? this.afterSize() : "size-rest";
        } else return this.malformed();
      } else if (phase === "size-rest") {
        if (c === LF) this.chunkPhase = this.afterSize(); // the extension, or the CR, is skipped
      } else if (phase === "data-end") {
        if (c === LF) this.chunkPhase = "size";
        else if (c !== CR) return this.malformed();
      } else if (c === LF) {
        // A trailer line ends: a blank one ends the body (what this read carried goes first).
        if (this.trailerBytes === 0) {
          if (start !== -1) this.enqueue(data.subarray(start, end));
          start = -1;
          this.complete();
        }
        this.trailerBytes = 0;
      } else if (c !== CR && ++this.trailerBytes > MAX_HEAD_BYTES) return this.malformed();
    }
    if (start !== -1) this.enqueue(data.subarray(start, end));
    return at < n ? data.subarray(at) : null;
  }

  /** The size line is over: the chunk's data next, or the trailers after the last chunk. */
  private afterSize(): "data" | "trailer" {
    this.sizeDigits = 0;
    return this.chunkLeft === 0 ? "trailer" : "data";
  }

  private malformed(): null {
    this.fail(transportError("BadAnswer", "The upstream's chunked body is malformed."));
    return null;
  }

  private enqueue(bytes: Uint8Array): void {
    const body = this.body;
    if (!body) return;
    try {
      body.enqueue(bytes);
    } catch {
      return; // the reader cancelled; the connection is being closed
    }
    // Backpressure: what the reader has not taken stays in the kernel and the upstream (TCP's
    // own flow control), not in this process, and a fast upstream cannot flood the event loop.
    if (!this.paused && (body.desiredSize ?? 1) <= 0) {
      this.paused = true;
      this.conn.socket?.pause();
    }
  }

  private flow(): void {
    if (!this.paused) return;
    this.paused = false;
    this.conn.socket?.resume();
  }

  /** The whole answer is in. */
  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.flow(); // a kept connection must hear the server again
    this.signal?.removeEventListener("abort", this.conn.onAbort);
    try {
      this.body?.close();
    } catch {}
    this.conn.finished(this);
  }

  /** The socket closed: the end of a close-framed body, or the exchange's failure. */
  closed(err: Error | null): void {
    if (this.done) return;
    if (this.answered && this.framing.kind === "close" && !err) this.complete();
    else this.fail(err ?? closedEarly());
  }

  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    this.signal?.removeEventListener("abort", this.conn.onAbort);
    if (!this.answered) this.reject(err);
    else
      try {
        this.body?.error(err);
      } catch {}
    this.conn.destroy();
  }
}

/** One connection to a host; carries one exchange at a time. */
class Conn {
  socket: Socket<Conn> | null = null;
  exchange: Exchange | null = null;
  reusable = false;
  /** Served an exchange before: a close before any answer byte means the server dropped it idle. */
  used = false;
  private pending: Uint8Array | null = null;
  dead = false;
  abortSignal: Abortable | null = null;
  /** The exchange's signal fired: it fails with the signal's reason, as fetch does. */
  readonly onAbort = () => this.exchange?.fail(this.abortSignal?.reason ?? new DOMException("The operation was aborted.", "AbortError"));

  constructor(readonly pool: Pool) {}

  /**
   * Writes, keeping what the socket does not take now for its drain. A string is written as
   * is (Bun encodes it natively) and turned into bytes only when some of it must wait.
   */
  send(data: string | Uint8Array, bytes?: number): void {
    if (this.pending) {
      this.pending = concat(this.pending, typeof data === "string" ? encoder.encode(data) : data);
      return;
    }
    const n = Math.max(0, this.socket!.write(data));
    if (typeof data === "string") {
      // `bytes`: the string's UTF-8 length when the caller has counted it already.
      if (n < (bytes ?? Buffer.byteLength(data))) this.pending = encoder.encode(data).subarray(n);
    } else if (n < data.length) this.pending = data.subarray(n);
  }

  drain(): void {
    if (!this.pending || !this.socket) return;
    const n = this.socket.write(this.pending);
    this.pending = n < this.pending.length ? this.pending.subarray(Math.max(0, n)) : null;
  }

  data(data: Uint8Array): void {
    const ex = this.exchange;
    // Bytes nobody asked for, or past the end of the answer: not a connection to keep.
    if (!ex) this.destroy();
    else if (ex.feed(data)?.length) this.destroy();
  }

  finished(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    this.abortSignal = null;
    this.used = true;
    if (this.reusable && !this.dead && !this.pending) this.pool.release(this);
    else this.destroy();
  }

  closed(err: Error | null): void {
    this.dead = true;
    this.pool.forget(this);
    const ex = this.exchange;
    this.exchange = null;
    ex?.closed(err);
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    const ex = this.exchange;
    this.exchange = null;
    this.socket?.terminate();
    ex?.fail(closedEarly());
  }
}

const handlers = {
  data(s: Socket<Conn>, d: Uint8Array) {
    s.data.data(d);
  },
  drain(s: Socket<Conn>) {
    s.data.drain();
  },
  close(s: Socket<Conn>, err?: Error) {
    s.data.closed(err ?? null);
  },
  error(s: Socket<Conn>, err: Error) {
    s.data.closed(err);
  },
  end(s: Socket<Conn>) {
    // The server is done sending: a close-framed body ends; anything else is closed early.
    s.data.closed(null);
    s.terminate();
  },
  timeout(s: Socket<Conn>) {
    if (!s.data.exchange) s.data.destroy(); // only idle connections have a timeout set
  },
};

/** Opens a TCP connection (Bun.connect; a test gives its own). */
export type Connect = (options: { hostname: string; port: number; data: Conn; socket: typeof handlers }) => Promise<Socket<Conn>>;

class Pool {
  private readonly idle: Conn[] = [];
  constructor(
    readonly hostname: string,
    readonly port: number,
    private readonly connect: Connect,
  ) {}

  /**
   * A kept connection if one is idle (unless `fresh`), else a new one. The signal bounds the
   * connect too: a host that drops SYNs would otherwise hold the request for the system's
   * connect timeout (two minutes on Linux), past first_byte_timeout and the deadline.
   */
  take(fresh: boolean, signal: Abortable | null): Conn | Promise<Conn> {
    while (!fresh) {
      const c = this.idle.pop();
      if (!c) break;
      if (c.dead) continue;
      c.socket!.timeout(0);
      return c; // at once: a kept connection needs no async step
    }
    return this.open(signal);
  }

  private async open(signal: Abortable | null): Promise<Conn> {
    const c = new Conn(this);
    const connecting = this.connect({ hostname: this.hostname, port: this.port, data: c, socket: handlers });
    c.socket = signal ? await bounded(connecting, signal) : await connecting;
    c.socket.setNoDelay?.(true);
    return c;
  }

  release(c: Conn): void {
    if (this.idle.length >= MAX_IDLE_PER_HOST) {
      c.destroy();
      return;
    }
    c.socket!.timeout(IDLE_SECONDS);
    this.idle.push(c);
  }

  forget(c: Conn): void {
    const i = this.idle.indexOf(c);
    if (i !== -1) this.idle.splice(i, 1);
  }
}

/** Where a URL's requests go: its pool and the head's first two lines. */
interface Target {
  pool: Pool;
  /** "<path and query> HTTP/1.1\r\nhost: <host>\r\n", after the method. */
  line: string;
  url: URL;
}

/** URLs whose target is kept: an upstream's few paths, asked for on every request. */
const MAX_TARGETS = 256;

/** A fetch over pooled HTTP/1.1 connections, for http:// URLs only. */
export function http1Fetch(connect: Connect = (o) => Bun.connect<Conn>(o)): Fetch {
  const pools = new Map<string, Pool>();
  // Parsing the URL and finding its pool was a tenth of this client's own time a request
  // (profiled over a fake socket); the same few URL strings come every time.
  const targets = new Map<string, Target>();
  const targetOf = (url: string): Target => {
    const known = targets.get(url);
    if (known) return known;
    const u = new URL(url);
    if (u.protocol !== "http:") throw new TypeError(`http1Fetch speaks http:// only, not ${u.protocol}`);
    let pool = pools.get(u.host);
    if (!pool) {
      pool = new Pool(u.hostname.replace(/^\[(.*)\]$/, "$1"), Number(u.port || 80), connect);
      pools.set(u.host, pool);
    }
    const t = { pool, line: `${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\n`, url: u };
    if (targets.size >= MAX_TARGETS) targets.clear();
    targets.set(url, t);
    return t;
  };
  const attempt = async (
    pool: Pool,
    method: string,
    head: string,
    body: string | Uint8Array | null,
    bodyBytes: number,
    signal: Abortable | null,
    fresh: boolean,
  ): Promise<{ res: Response } | { again: unknown }> => {
    const conn = await pool.take(fresh, signal);
    if (signal?.aborted) {
      pool.release(conn);
      throw signal.reason;
    }
    // Worth another try on a new connection when it fails before any byte of an answer: a
    // kept connection the server had dropped while idle (its close not heard yet), or a GET,
    // which asks for nothing to be done (a listener going away resets what it had accepted).
    const retriable = conn.used || method === "GET" || method === "HEAD";
    return await new Promise((resolve, reject) => {
      const ex = new Exchange(
        conn,
        method === "HEAD",
        (res) => resolve({ res }),
        (err) => {
          if (retriable && !ex.heard && !signal?.aborted) resolve({ again: err });
          else reject(err);
        },
        signal,
      );
      conn.exchange = ex;
      conn.abortSignal = signal;
      signal?.addEventListener("abort", conn.onAbort, { once: true });
      // One write for a small request; a large body is not copied to join it.
      if (body === null) conn.send(head);
      else if (typeof body === "string" && body.length <= SMALL_BODY) conn.send(head + body, Buffer.byteLength(head) + bodyBytes);
      else if (typeof body === "string") {
        conn.send(head);
        conn.send(body, bodyBytes);
      } else {
        conn.send(head);
        conn.send(body);
      }
    });
  };
  return async (url, init) => {
    const target = targetOf(url);
    const u = target.url;
    const method = (init.method ?? "GET").toUpperCase();
    // A string body is written as it is (Bun encodes it as it writes): a small one with the
    // head, a large one (a long agent context) after it, and turned into bytes only if the
    // socket takes part of it (send() keeps the rest); encoding every large body up front was
    // a copy of it a request (a tenth of a 256 KiB turn's CPU in the profile).
    const raw = init.body;
    const body = raw == null ? null : typeof raw === "string" ? raw : await requestBytes(raw);
    let head = `${method} ${target.line}`;
    let hasAuth = false;
    let hasAccept = false;
    let hasEncoding = false;
    const add = (name: string, value: string) => {
      const k = name.toLowerCase();
      if (OURS.has(k)) return;
      // A header is one line: a CR or LF in it would start another (Headers refuses them too).
      if (!TOKEN.test(k) || /[\r\n\0]/.test(value)) throw new TypeError(`invalid header: ${k}`);
      hasAuth ||= k === "authorization";
      hasAccept ||= k === "accept";
      hasEncoding ||= k === "accept-encoding";
      head += `${k}: ${value}\r\n`;
    };
    const h = init.headers;
    // A plain record (what upstreamHeaders builds) is walked as it is, without Object.entries' pairs.
    if (h instanceof Headers || Array.isArray(h)) for (const [name, value] of new Headers(h as HeadersInit)) add(name, value);
    else if (h) for (const name in h) add(name, (h as Record<string, string>)[name]!);
    // Credentials in the URL are sent as Basic auth, as fetch does, unless a key is set.
    if (!hasAuth && (u.username || u.password))
      head += `authorization: Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}\r\n`;
    if (!hasAccept) head += "accept: */*\r\n";
    if (!hasEncoding) head += "accept-encoding: identity\r\n";
    const length = body === null ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.length;
    if (body !== null || method === "POST" || method === "PUT" || method === "PATCH") head += `content-length: ${length}\r\n`;
    head += "\r\n";
    const signal = init.signal ?? null;
    signal?.throwIfAborted();
    // Retried on a new connection (above) at most twice: a stale kept one, then a GET once more.
    let last: unknown = null;
    for (let i = 0; i < 3; i++) {
      const r = await attempt(target.pool, method, head, body, length, signal, i > 0);
      if ("res" in r) return r.res;
      last = r.again;
      if (i === 1 && method !== "GET" && method !== "HEAD") break;
    }
    throw last;
  };
}

/** Framing is this client's to write, never a caller's. */
const OURS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** The connect, or the signal's reason if it fires first (a socket that opens after that is closed). */
function bounded(connecting: Promise<Socket<Conn>>, signal: Abortable): Promise<Socket<Conn>> {
  if (signal.aborted) {
    connecting.then(
      (s) => s.terminate(),
      () => {},
    );
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      connecting.then(
        (s) => s.terminate(),
        () => {},
      );
    };
    signal.addEventListener("abort", onAbort, { once: true });
    connecting.then(
      (s) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) s.terminate();
        else resolve(s);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** A request body that is not a string, as bytes. */
async function requestBytes(body: NonNullable<RequestInit["body"]>): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return new Uint8Array(await new Response(body as BodyInit).arrayBuffer());
}

/** The value of an ASCII hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Where the head ends: `at` where its last line's end begins, `next` past the blank line; -1 while not in yet. */
function headEnd(buf: Uint8Array): { at: number; next: number } | -1 {
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) {
    const at = i > 0 && buf[i - 1] === CR ? i - 1 : i;
    if (buf[i + 1] === LF) return { at, next: i + 2 };
    if (buf[i + 1] === CR && buf[i + 2] === LF) return { at, next: i + 3 };
  }
  return -1;
}

function decoded(stream: ReadableStream<Uint8Array>, coding: string): ReadableStream<Uint8Array> {
  const format = coding === "gzip" || coding === "x-gzip" ? "gzip" : coding === "deflate" ? "deflate" : null;
  if (!format) {
    return new ReadableStream({
      start(ctl) {
        ctl.error(transportError("BadAnswer", `The upstream's body is encoded as ${coding}, which this client cannot read.`));
      },
    });
  }
  return stream.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}
