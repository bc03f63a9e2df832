// The gateway's own HTTP/1.1 client (src/upstream/http1.ts), against raw loopback servers
// that write exactly the bytes each case needs: framings split at every byte, interim
// answers, closes and resets, garbage, a server that drops kept connections, and a fast
// upstream whose reader holds off (backpressure).
import { afterEach, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import type { Socket, TCPSocketListener } from "bun";
import { http1Fetch } from "../../../src/upstream/http1.ts";
import { AbortLine } from "../../../src/upstream/abort-line.ts";

interface Raw {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Requests seen (their heads, as text). */
  heads: string[];
  /** Sockets still open on the server's side. */
  open: Set<Socket<{ buf: string }>>;
  stop(): void;
}

type Answer = (s: Socket<{ buf: string }>, head: string, n: number) => void | Promise<void>;

const servers: TCPSocketListener<{ buf: string }>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

/** A server that calls `answer` once per request head (bodies are read by their Content-Length). */
function rawServer(answer: Answer): Raw {
  const raw: Raw = { url: "", connections: 0, heads: [], open: new Set(), stop: () => listener.stop(true) };
  const listener = Bun.listen<{ buf: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { buf: "" };
        raw.connections++;
        raw.open.add(s);
      },
      data(s, d) {
        s.data.buf += d.toString("latin1");
        for (;;) {
          const end = s.data.buf.indexOf("\r\n\r\n");
          if (end === -1) return;
          const head = s.data.buf.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (s.data.buf.length < end + 4 + length) return;
          s.data.buf = s.data.buf.slice(end + 4 + length);
          raw.heads.push(head);
          void answer(s, head, raw.heads.length);
        }
      },
      close(s) {
        raw.open.delete(s);
      },
    },
  });
  servers.push(listener);
  raw.url = `http://127.0.0.1:${listener.port}`;
  return raw;
}

/** Writes the bytes one at a time, each in its own segment, so every split point is read. */
async function byteByByte(s: Socket<unknown>, text: string | Uint8Array): Promise<void> {
  const bytes = typeof text === "string" ? Buffer.from(text, "latin1") : text;
  s.setNoDelay(true);
  for (const b of bytes) {
    s.write(new Uint8Array([b]));
    s.flush();
    await Bun.sleep(1);
  }
}

const post = (body = "{}") => ({ method: "POST", headers: { "content-type": "application/json" }, body });

test("a Content-Length answer is read whole, and its connection is kept for the next request", async () => {
  const srv = rawServer((s, _h, n) => {
    const body = `{"n":${n}}`;
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nx-request-id: r${n}\r\n\r\n${body}`);
  });
  const f = http1Fetch();
  for (let i = 1; i <= 3; i++) {
    const res = await f(`${srv.url}/v1/chat/completions`, post());
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(`r${i}`);
    expect(await res.json()).toEqual({ n: i });
  }
  expect(srv.connections).toBe(1);
  expect(srv.heads[0]).toStartWith("POST /v1/chat/completions HTTP/1.1\r\n");
  expect(srv.heads[0]).toContain("content-length: 2");
  expect(srv.heads[0]).toContain("accept-encoding: identity");
});

test("one client, several hosts and paths: each request goes to its own host, path and query, on that host's kept connection", async () => {
  const answer = (name: string) => (s: Socket<unknown>) => void s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${name.length}\r\n\r\n${name}`);
  const a = rawServer(answer("a"));
  const b = rawServer(answer("b"));
  const f = http1Fetch();
  for (let i = 0; i < 3; i++) {
    expect(await (await f(`${a.url}/v1/chat/completions`, post())).text()).toBe("a");
    expect(await (await f(`${b.url}/v1/models?x=${i % 2}`, { method: "GET", headers: {} })).text()).toBe("b");
    expect(await (await f(`${a.url}/v1/embeddings`, post())).text()).toBe("a");
  }
  expect(a.heads.map((h) => h.split(" ")[1])).toEqual(Array(3).fill(["/v1/chat/completions", "/v1/embeddings"]).flat());
  expect(b.heads.map((h) => h.split(" ")[1])).toEqual(["/v1/models?x=0", "/v1/models?x=1", "/v1/models?x=0"]);
  expect(b.heads[0]).toContain(`host: ${b.url.slice("http://".length)}`);
  expect([a.connections, b.connections]).toEqual([1, 1]);
  // Refused every time, not only the first: a URL this client cannot speak is never kept.
  for (let i = 0; i < 2; i++) await expect(f("https://127.0.0.1:1/v1/models", post())).rejects.toThrow("http:// only");
  a.stop();
  b.stop();
});

test("a small body of multi-byte text is declared and sent by its UTF-8 length", async () => {
  const srv = rawServer((s) => void s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
  const f = http1Fetch();
  const text = JSON.stringify({ content: "héllo wörld ✓ ".repeat(500) });
  expect(await (await f(`${srv.url}/a`, { method: "POST", body: text })).text()).toBe("ok");
  expect(srv.heads[0]).toContain(`content-length: ${Buffer.byteLength(text)}`);
  // Exactly those bytes went: the next request on the connection parses cleanly.
  expect(await (await f(`${srv.url}/b`, post())).text()).toBe("ok");
  expect(srv.heads[1]).toStartWith("POST /b HTTP/1.1");
  expect(srv.connections).toBe(1);
});

test("a chunked SSE answer split at every byte comes through byte for byte, with chunk extensions and trailers", async () => {
  const events = 'data: {"a":1}\r\n\r\ndata: {"b":"é"}\n\ndata: [DONE]\n\n';
  const bytes = Buffer.from(events, "utf8");
  const wire = Buffer.concat([
    Buffer.from("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n", "latin1"),
    Buffer.from(`${(10).toString(16)};ext=1\r\n`, "latin1"),
    bytes.subarray(0, 10),
    Buffer.from(`\r\n${(bytes.length - 10).toString(16).toUpperCase()}\r\n`, "latin1"),
    bytes.subarray(10),
    Buffer.from("\r\n0\r\nx-trailer: t\r\n\r\n", "latin1"),
  ]);
  const srv = rawServer((s) => byteByByte(s, wire));
  const f = http1Fetch();
  const res = await f(`${srv.url}/v1/chat/completions`, post());
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  // The whole answer was read, trailers too: the next request goes on the same connection.
  expect(Buffer.from(await (await f(`${srv.url}/v1/chat/completions`, post())).arrayBuffer()).equals(bytes)).toBe(true);
  expect(srv.connections).toBe(1);
});

test("a head with bare LF line ends, split at every byte, after an interim 100 Continue", async () => {
  const srv = rawServer((s) => byteByByte(s, "HTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\ncontent-length: 5\nx-a: b\n\nhello"));
  const res = await http1Fetch()(`${srv.url}/x`, post());
  expect(res.status).toBe(201);
  expect(res.statusText).toBe("Created");
  expect(res.headers.get("x-a")).toBe("b");
  expect(await res.text()).toBe("hello");
});

test("head lines that are not fields are skipped, whatever follows them; values are trimmed, names lower-cased", async () => {
  const head = "HTTP/1.1 200 OK\r\nno colon here\r\n: no name\r\nX-Spaced:   v 1  \r\nContent-Length: 2\r\nx-empty:\r\n\r\nok";
  const srv = rawServer((s) => void s.write(head));
  const res = await http1Fetch()(`${srv.url}/x`, post());
  expect(res.status).toBe(200);
  expect(res.headers.get("x-spaced")).toBe("v 1");
  expect(res.headers.get("x-empty")).toBe("");
  expect([...res.headers.keys()].sort()).toEqual(["content-length", "x-empty", "x-spaced"]);
  expect(await res.text()).toBe("ok");
  // A head of thousands of lines without a colon, then fields: each line is looked at once.
  const junk = "HTTP/1.1 200 OK\r\n" + "x\r\n".repeat(15_000) + "x-after: junk\r\ncontent-length: 2\r\n\r\nok";
  const srv2 = rawServer((s) => void s.write(junk));
  const res2 = await http1Fetch()(`${srv2.url}/x`, post());
  expect(res2.headers.get("x-after")).toBe("junk");
  expect(await res2.text()).toBe("ok");
});

test("an answer framed by the connection's close ends with the close, and that connection is not kept", async () => {
  const srv = rawServer(async (s, _h, n) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\npart one, `);
    await Bun.sleep(5);
    s.write(`part two ${n}`);
    s.end();
  });
  const f = http1Fetch();
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("part one, part two 1");
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("part one, part two 2");
  expect(srv.connections).toBe(2);
});

test("a body cut short of its Content-Length is an error on the body, not a short success", async () => {
  const srv = rawServer((s) => {
    s.write("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this");
    setTimeout(() => s.end(), 5);
  });
  const res = await http1Fetch()(`${srv.url}/a`, post());
  expect(res.status).toBe(200);
  await expect(res.text()).rejects.toThrow();
});

test("a connection closed before any answer is ConnectionClosed, as fetch words it", async () => {
  const srv = rawServer((s) => void s.end());
  const err = await http1Fetch()(`${srv.url}/a`, post()).catch((e) => e);
  expect(err.code).toBe("ConnectionClosed");
});

test("a refused connection is ECONNREFUSED", async () => {
  const srv = rawServer(() => {});
  const url = srv.url;
  srv.stop();
  const err = await http1Fetch()(`${url}/a`, post()).catch((e) => e);
  expect(err.code).toBe("ECONNREFUSED");
});

test("an answer that is not HTTP fails the request and closes the connection", async () => {
  const srv = rawServer((s) => void s.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
  const err = await http1Fetch()(`${srv.url}/a`, post()).catch((e) => e);
  expect(err.code).toBe("BadAnswer");
  await Bun.sleep(20);
  expect(srv.open.size).toBe(0);
});

// The gateway's own attempts abort through a plain line (abort-line.ts), probes through a signal.
const aborts = {
  AbortController: () => {
    const ctl = new AbortController();
    return { signal: ctl.signal, abort: (r: unknown) => ctl.abort(r) };
  },
  AbortLine: () => {
    const line = new AbortLine();
    return { signal: line, abort: (r: unknown) => line.abort(r) };
  },
};

for (const [kind, make] of Object.entries(aborts)) {
  test(`an abort (${kind}) before the headers rejects with its reason and closes the connection`, async () => {
    const srv = rawServer(() => {}); // never answers
    const ctl = make();
    const pending = http1Fetch()(`${srv.url}/a`, { ...post(), signal: ctl.signal });
    await Bun.sleep(20);
    expect(srv.open.size).toBe(1);
    ctl.abort(new Error("first byte timeout"));
    await expect(pending).rejects.toThrow("first byte timeout");
    await Bun.sleep(20);
    expect(srv.open.size).toBe(0);
  });

  test(`an abort (${kind}) mid-stream errors the body with its reason and closes the connection`, async () => {
    const srv = rawServer((s) => void s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\ndata: \r\n"));
    const ctl = make();
    const res = await http1Fetch()(`${srv.url}/a`, { ...post(), signal: ctl.signal });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: ");
    ctl.abort(new Error("client left"));
    await expect(reader.read()).rejects.toThrow("client left");
    await Bun.sleep(20);
    expect(srv.open.size).toBe(0);
  });

  test(`an abort (${kind}) before the request starts rejects at once, with nothing sent`, async () => {
    const srv = rawServer(() => {});
    const ctl = make();
    ctl.abort(new Error("gone already"));
    await expect(http1Fetch()(`${srv.url}/a`, { ...post(), signal: ctl.signal })).rejects.toThrow("gone already");
    await Bun.sleep(20);
    expect(srv.heads).toEqual([]);
  });
}

test("a kept connection the server drops as the next request arrives is retried once, on a new connection", async () => {
  // The race of a server's idle timeout: it closes a kept connection just as a request comes
  // in on it, without answering. Each connection here answers one request and drops the next.
  const served = new WeakSet<object>();
  const srv = rawServer((s, _h, n) => {
    if (served.has(s)) return void s.terminate();
    served.add(s);
    s.write(`HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n${n}`);
  });
  const f = http1Fetch();
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("1");
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("3");
  // The dropped request (2), then its retry (3) on a second connection.
  expect(srv.heads).toHaveLength(3);
  expect(srv.connections).toBe(2);
});

test("a request that fails on a new connection is not retried", async () => {
  const srv = rawServer((s) => void s.terminate());
  const err = await http1Fetch()(`${srv.url}/a`, post()).catch((e) => e);
  expect(err.code).toBeDefined();
  expect(srv.heads).toHaveLength(1);
});

test("a fast upstream is paused while the reader holds off: its bytes stay in the kernel, not in the gateway", async () => {
  const total = 64 * 1024 * 1024;
  const piece = new Uint8Array(64 * 1024).fill(120);
  let written = 0;
  let sending: Socket<{ buf: string }> | null = null;
  const pump = () => {
    const s = sending!;
    while (written < total) {
      const n = s.write(piece);
      written += Math.max(0, n);
      if (n < piece.length) return; // the socket is full: wait for drain
    }
    s.end();
  };
  const srv = rawServer((s) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${total}\r\n\r\n`);
    sending = s;
    pump();
  });
  // A drain handler is not in rawServer: poll instead, while the client is not reading.
  const res = await http1Fetch()(`${srv.url}/big`, post());
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(10);
    pump();
  }
  // Without the pause, the client would have taken all 64 MiB into memory by now.
  expect(written).toBeLessThan(total / 2);
  const reader = res.body!.getReader();
  let got = 0;
  while (got < total) {
    const { value, done } = await reader.read();
    if (done) break;
    got += value.length;
    pump();
  }
  expect(got).toBe(total);
});

test("credentials in the URL are sent as Basic auth unless a key is set; header injection is refused", async () => {
  const srv = rawServer((s) => void s.write("HTTP/1.1 204 No Content\r\n\r\n"));
  const f = http1Fetch();
  const base = srv.url.replace("http://", "http://us%20er:p%40ss@");
  expect((await f(`${base}/a`, post())).status).toBe(204);
  expect(srv.heads[0]).toContain(`authorization: Basic ${btoa("us er:p@ss")}`);
  expect(srv.heads[0]).not.toContain("us%20er");
  await f(`${base}/a`, { method: "POST", headers: { authorization: "Bearer k" }, body: "{}" });
  expect(srv.heads[1]).toContain("authorization: Bearer k");
  expect(srv.heads[1]).not.toContain("Basic");
  await expect(f(`${srv.url}/a`, { method: "POST", headers: { "x-a": "1\r\nx-injected: 2" }, body: "{}" })).rejects.toThrow(TypeError);
  await expect(f(`${srv.url}/a`, { method: "POST", headers: { "bad name": "1" }, body: "{}" })).rejects.toThrow(TypeError);
  expect(srv.heads).toHaveLength(2);
  // 204s carry no body: the connection was kept throughout.
  expect(srv.connections).toBe(1);
});

test("a gzip body (sent although identity was asked for) is decoded", async () => {
  const body = gzipSync(Buffer.from('{"ok":true}'));
  const srv = rawServer((s) => {
    s.write(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${body.length}\r\n\r\n`);
    s.write(body);
  });
  const res = await http1Fetch()(`${srv.url}/a`, post());
  expect(await res.json()).toEqual({ ok: true });
});

test("a head that never ends is refused once it passes 64 KiB", async () => {
  const srv = rawServer((s) => void s.write(`HTTP/1.1 200 OK\r\nx-long: ${"a".repeat(70 * 1024)}`));
  const err = await http1Fetch()(`${srv.url}/a`, post()).catch((e) => e);
  expect(err.code).toBe("HeadTooLarge");
});

test("a large request body (a long agent context) is written whole, past what the socket takes at once", async () => {
  const srv = rawServer((s) => void s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
  // 6 MiB of UTF-8: more than a loopback socket takes in one write, and more bytes than characters.
  const text = `{"content":"${"é".repeat(3 * 1024 * 1024)}"}`;
  const f = http1Fetch();
  expect(await (await f(`${srv.url}/big`, { method: "POST", body: text })).text()).toBe("ok");
  expect(srv.heads[0]).toContain(`content-length: ${Buffer.byteLength(text)}`);
  // Every byte went, and no more: the next request on the same connection parses cleanly after it.
  expect(await (await f(`${srv.url}/small`, post())).text()).toBe("ok");
  expect(srv.heads[1]).toStartWith("POST /small HTTP/1.1");
  expect(srv.connections).toBe(1);
});

test("the signal bounds the connect too: a host that never completes the handshake does not hold the request", async () => {
  // A connect that never resolves, as to a host that drops SYNs (the system would wait ~2 min).
  let late: ((s: Socket<unknown>) => void) | null = null;
  const f = http1Fetch(() => new Promise((resolve) => (late = resolve as (s: Socket<unknown>) => void)));
  const ctl = new AbortController();
  const pending = f("http://127.0.0.1:9/v1/chat/completions", { ...post(), signal: ctl.signal });
  await Bun.sleep(20);
  ctl.abort(new Error("no response within 50 ms"));
  await expect(pending).rejects.toThrow("no response within 50 ms");
  // A socket that opens after all is closed at once, not kept.
  let terminated = false;
  late!({ terminate: () => (terminated = true) } as unknown as Socket<unknown>);
  await Bun.sleep(0);
  expect(terminated).toBe(true);
});

test("a malformed chunked body (a size that is not hex, data not followed by its line end) is an error on the body", async () => {
  for (const body of ["zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloX\r\n0\r\n\r\n"]) {
    const srv = rawServer((s) => void s.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${body}`));
    const res = await http1Fetch()(`${srv.url}/a`, post());
    await expect(res.text()).rejects.toThrow("malformed");
  }
});

test("the data of many chunks that arrive in one read reaches the reader as one piece", async () => {
  const events = Array.from({ length: 50 }, (_, i) => `data: {"i":${i}}\n\n`);
  const wire = events.map((e) => `${e.length.toString(16)}\r\n${e}\r\n`).join("");
  const srv = rawServer((s) => void s.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${wire}0\r\n\r\n`));
  const res = await http1Fetch()(`${srv.url}/a`, post());
  const reads: string[] = [];
  for await (const piece of res.body!) reads.push(new TextDecoder().decode(piece));
  expect(reads.join("")).toBe(events.join(""));
  expect(reads.length).toBeLessThan(5); // one socket read, give or take how the kernel split it
});

test("a GET whose new connection is reset before any answer is tried once more; a POST is not", async () => {
  let resets = 1;
  const srv = rawServer((s) => {
    if (resets-- > 0) return void s.terminate();
    s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
  });
  expect(await (await http1Fetch()(`${srv.url}/v1/models`, { method: "GET" })).text()).toBe("ok");
  expect(srv.heads).toHaveLength(2);
  resets = 1;
  await expect(http1Fetch()(`${srv.url}/v1/chat/completions`, post())).rejects.toBeDefined();
  expect(srv.heads).toHaveLength(3);
});

test("a read of many chunks is joined into pieces of about 16 KiB, never one piece the size of the read", async () => {
  const events = Array.from({ length: 200 }, (_, i) => `data: {"i":${i},"pad":"${"x".repeat(480)}"}\n\n`);
  const wire = events.map((e) => `${e.length.toString(16)}\r\n${e}\r\n`).join("");
  const srv = rawServer((s) => void s.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${wire}0\r\n\r\n`));
  const res = await http1Fetch()(`${srv.url}/a`, post());
  const sizes: number[] = [];
  let text = "";
  for await (const piece of res.body!) {
    sizes.push(piece.length);
    text += new TextDecoder().decode(piece);
  }
  expect(text).toBe(events.join(""));
  // ~100 KB of events: several pieces, each at most 16 KiB plus the event that crossed it.
  expect(sizes.length).toBeGreaterThan(4);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(16 * 1024 + events[0].length);
});

test("an answer that says Connection: close, or comes as HTTP/1.0, is read whole and its connection not kept", async () => {
  const srv = rawServer((s, _h, n) => {
    const version = n === 1 ? "HTTP/1.1" : "HTTP/1.0";
    const close = n === 1 ? "connection: close\r\n" : "";
    s.write(`${version} 200 OK\r\n${close}content-length: 1\r\n\r\n${n}`);
  });
  const f = http1Fetch();
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("1");
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("2");
  expect(await (await f(`${srv.url}/a`, post())).text()).toBe("3");
  // One connection per answer, and no request had to be retried.
  expect(srv.connections).toBe(3);
  expect(srv.heads).toHaveLength(3);
});
