// HTTP/1.1 over bare sockets, for the scenarios that hold many connections at once: fetch in
// the load generator would queue past its own in-flight cap, and each socket here costs
// little more than its buffer, so the figures stay the server's.
import type { Socket } from "bun";

export interface HeldConnection {
  /** Resolves with ms from open to the first time `marker` was seen, or NaN when the socket ended first. */
  seen: Promise<number>;
  /** Bytes received so far. */
  bytes(): number;
  close(): void;
}

export interface HoldOptions {
  port: number;
  method: "GET" | "POST";
  path: string;
  body?: string;
  /** Text that marks what we wait for ("data:" for a stream's first event, "\r\n\r\n" for any answer). */
  marker: string;
}

export function requestText(o: Pick<HoldOptions, "method" | "path" | "body">): string {
  const head = [`${o.method} ${o.path} HTTP/1.1`, "host: 127.0.0.1", "connection: keep-alive"];
  if (o.body !== undefined) head.push("content-type: application/json", `content-length: ${Buffer.byteLength(o.body)}`);
  return `${head.join("\r\n")}\r\n\r\n${o.body ?? ""}`;
}

/** Opens one connection, sends one request, and keeps the socket open until close(). */
export async function hold(o: HoldOptions): Promise<HeldConnection> {
  const start = performance.now();
  let received = 0;
  let tail = "";
  let found = false;
  let resolve!: (ms: number) => void;
  const seen = new Promise<number>((r) => {
    resolve = r;
  });
  const decoder = new TextDecoder();
  const socket: Socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: o.port,
    socket: {
      data(_s, chunk) {
        received += chunk.length;
        if (found) return;
        const text = tail + decoder.decode(chunk);
        // Keep a short tail so a marker split across two reads is still found.
        tail = text.slice(-o.marker.length);
        if (text.includes(o.marker)) {
          found = true;
          resolve(performance.now() - start);
        }
      },
      close() {
        resolve(Number.NaN);
      },
      error() {
        resolve(Number.NaN);
      },
    },
  });
  socket.write(requestText(o));
  return { seen, bytes: () => received, close: () => socket.end() };
}

/** Opens `count` connections `batch` at a time (a burst of thousands of SYNs overflows the listen backlog). */
export async function holdMany(count: number, batch: number, o: HoldOptions): Promise<HeldConnection[]> {
  const out: HeldConnection[] = [];
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const opened = await Promise.all(Array.from({ length: n }, () => hold(o).catch(() => null)));
    for (const c of opened) if (c) out.push(c);
  }
  return out;
}

/** Resolves when every connection has seen its marker, or when `limitMs` has passed; returns how many had. */
export async function settled(conns: HeldConnection[], limitMs: number): Promise<number> {
  let n = 0;
  const all = Promise.all(conns.map((c) => c.seen.then((ms) => void (Number.isNaN(ms) ? 0 : n++))));
  await Promise.race([all, Bun.sleep(limitMs)]);
  return n;
}
