// Every kind of bad input gets a clear OpenAI-shaped error with the right status, and no
// secret or stack trace ever reaches the client.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let mock: MockUpstream;
let gw: TestGateway;
/** Room for 50,000 levels of nesting, and a short body_timeout for the stalled upload. */
let roomy: TestGateway;
const SECRET = "sk-upstream-very-secret-123456";

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], apiKey: SECRET });
  const toml =
    `[server]\nbody_limit = "64KiB"\n` +
    upstreamToml("gpu", mock.url, `api_key_env = "GPU_KEY"`) +
    upstreamToml("wrongkey", mock.url, `api_key_env = "WRONG_KEY"`) +
    upstreamToml("dead", "http://127.0.0.1:9/v1", `models = ["dead-model"]`);
  gw = await startTestGateway(toml, { env: { GPU_KEY: SECRET, WRONG_KEY: "sk-wrong-but-still-secret-999" } });
  const roomyToml = `[server]\nbody_limit = "2MiB"\nbody_timeout = "400ms"\n` + upstreamToml("gpu", mock.url, `api_key_env = "GPU_KEY"`);
  roomy = await startTestGateway(roomyToml, { env: { GPU_KEY: SECRET } });
});
afterAll(async () => {
  await gw.stop();
  await roomy.stop();
  await mock.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes received in all. */
  bytes: number;
  /** The server closed the connection (rather than our wait running out). */
  closed: boolean;
}

/**
 * One request over a fresh socket, the way fetch cannot send it (any method, any framing):
 * `parts` are written in order, respecting backpressure. Resolves when the server closes
 * the connection, or after `waitMs` with `closed: false`.
 */
function rawHttp(port: number, parts: (string | Uint8Array)[], waitMs = 5000): Promise<RawAnswer> {
  const pending = parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p));
  const received: Buffer[] = [];
  return new Promise((resolve) => {
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(parseAnswer(Buffer.concat(received), closed));
    };
    const timer = setTimeout(() => finish(false), waitMs);
    const flush = (s: { write(b: Uint8Array): number }) => {
      while (pending.length > 0) {
        const n = s.write(pending[0]);
        if (n < pending[0].length) {
          pending[0] = pending[0].subarray(Math.max(0, n));
          return;
        }
        pending.shift();
      }
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: flush,
        drain: flush,
        data: (_s, d) => void received.push(Buffer.from(d)),
        close: () => finish(true),
        end: () => finish(true),
        error: () => finish(true),
      },
    }).catch(() => finish(true));
  });
}

function parseAnswer(buf: Buffer, closed: boolean): RawAnswer {
  const text = buf.toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const head = split === -1 ? text : text.slice(0, split);
  const [statusLine, ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const at = l.indexOf(":");
    if (at > 0) headers[l.slice(0, at).trim().toLowerCase()] = l.slice(at + 1).trim();
  }
  let body = split === -1 ? "" : text.slice(split + 4);
  if (headers["transfer-encoding"] === "chunked") body = unchunk(body);
  return {
    status: Number(statusLine.split(" ")[1] ?? 0) || 0,
    headers,
    body: Buffer.from(body, "latin1").toString("utf8"),
    bytes: buf.length,
    closed,
  };
}

function unchunk(s: string): string {
  let out = "";
  for (let at = 0; at < s.length; ) {
    const eol = s.indexOf("\r\n", at);
    const size = Number.parseInt(s.slice(at, eol), 16);
    if (!(size > 0)) break;
    out += s.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
  return out;
}

const HOST = (g: TestGateway) => `Host: 127.0.0.1:${g.port}\r\n`;

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text), headers: res.headers };
}

function expectOpenAiError(json: any) {
  expect(Object.keys(json)).toEqual(["error"]);
  expect(Object.keys(json.error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(typeof json.error.message).toBe("string");
  expect(json.error.message).not.toMatch(/\bat .*\.ts:\d+/); // no stack frames
}

test("malformed JSON → 400 invalid_json", async () => {
  const r = await post("/v1/chat/completions", '{"model": "m", "messages": [');
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
  expect(r.json.error.code).toBe("invalid_json");
  expect(r.json.error.type).toBe("invalid_request_error");
});

test("a body that is not an object → 400", async () => {
  const r = await post("/v1/chat/completions", "[1,2]");
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
});

test("missing model → 400 naming the param", async () => {
  const r = await post("/v1/chat/completions", { messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
  expect(r.json.error.param).toBe("model");
});

test("wrong field types → 400 naming the param", async () => {
  for (const [path, body, param] of [
    ["/v1/chat/completions", { model: 5, messages: [] }, "model"],
    ["/v1/chat/completions", { model: "m", messages: "hello" }, "messages"],
    ["/v1/chat/completions", { model: "m", messages: [], stream: "yes" }, "stream"],
    ["/v1/embeddings", { model: "m", input: 42 }, "input"],
    ["/v1/completions", { model: "m" }, "prompt"],
  ] as const) {
    const r = await post(path, body);
    expect(r.status).toBe(400);
    expectOpenAiError(r.json);
    expect(r.json.error.param).toBe(param);
  }
});

// On `roomy`, whose every upstream answers: beside a down one (`dead` on `gw`) it is a 503
// naming it (tests/e2e/model-upstream-down.test.ts).
test("unknown model → 404 that says how to list models", async () => {
  const res = await fetch(roomy.url + "/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-nope", messages: [] }),
  });
  const r = { status: res.status, json: await res.json() };
  expect(r.status).toBe(404);
  expectOpenAiError(r.json);
  expect(r.json.error.code).toBe("model_not_found");
  expect(r.json.error.message).toContain("GET /v1/models");
});

test("a client repeating an unknown model gets its 404 every time without making each one a GET /models upstream", async () => {
  const lists = () => mock.requests.filter((r) => r.method === "GET" && r.path.endsWith("/models")).length;
  const before = lists();
  for (let i = 0; i < 30; i++) {
    const res = await fetch(roomy.url + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-nope", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("model_not_found");
  }
  // One refresh per MISS_REFRESH_MS (2 s), and the health probes: never one per request.
  expect(lists() - before).toBeLessThan(5);
});

test("a body over the limit → 413, declared or chunked", async () => {
  const big = JSON.stringify({ model: "m", messages: [{ role: "user", content: "x".repeat(70 * 1024) }] });
  const r = await post("/v1/chat/completions", big);
  expect(r.status).toBe(413);
  expectOpenAiError(r.json);
  // Chunked: no content-length, the gateway counts as it reads.
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"model":"m","messages":[],"x":"' : "y".repeat(10 * 1024)));
      c.close();
    },
  });
  const res = await fetch(gw.url + "/v1/chat/completions", { method: "POST", body: stream, headers: { "content-type": "application/json" } });
  expect(res.status).toBe(413);
  expectOpenAiError(await res.json());
});

test("unknown paths → 404, wrong methods → 405 with Allow", async () => {
  const a = await fetch(gw.url + "/v1/nothing-here");
  expect(a.status).toBe(404);
  expectOpenAiError(await a.json());
  const b = await fetch(gw.url + "/v1/chat/completions");
  expect(b.status).toBe(405);
  expect(b.headers.get("allow")).toBe("POST");
  expectOpenAiError(await b.json());
  const c = await fetch(gw.url + "/v1/models", { method: "DELETE" });
  expect(c.status).toBe(405);
});

test("an unreachable upstream → 502 naming the upstream and the cause", async () => {
  const r = await post("/v1/chat/completions", { model: "dead/dead-model", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(502);
  expectOpenAiError(r.json);
  expect(r.json.error.message).toContain("`dead`");
  expect(r.json.error.message).toContain("connection refused");
  const s = await post("/v1/chat/completions", { model: "dead/dead-model", stream: true, messages: [{ role: "user", content: "x" }] });
  expect(s.status).toBe(502);
});

test("an upstream's own 4xx is passed on with its status, naming the upstream", async () => {
  const r = await post("/v1/chat/completions", { model: "gpu/m+error:400", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(400);
  expectOpenAiError(r.json);
  expect(r.json.error.message).toContain("`gpu`");
});

test("upstream 5xx → an error with the upstream's status, and Retry-After kept on 429", async () => {
  const r = await post("/v1/chat/completions", { model: "gpu/m+error:503", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(503);
  expectOpenAiError(r.json);
  const t = await post("/v1/chat/completions", { model: "gpu/m+error:429+retry-after:7", messages: [{ role: "user", content: "x" }] });
  expect(t.status).toBe(429);
  expect(t.headers.get("retry-after")).toBe("7");
});

test("secrets never leave: not in responses, headers or logs, even when the upstream rejects the key", async () => {
  const r = await post("/v1/chat/completions", { model: "wrongkey/m", messages: [{ role: "user", content: "x" }] });
  expect(r.status).toBe(401);
  const ok = await fetch(gw.url + "/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpu/m", messages: [{ role: "user", content: "x" }] }),
  });
  const all = r.text + JSON.stringify([...r.headers]) + (await ok.text()) + JSON.stringify([...ok.headers]) + gw.logs.join("\n");
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain("sk-wrong-but-still-secret-999");
});

test("the official SDK surfaces gateway errors as typed APIErrors", async () => {
  const client = new OpenAI({ baseURL: roomy.v1, apiKey: "x", maxRetries: 0 });
  const err = await client.chat.completions.create({ model: "gpt-nope", messages: [{ role: "user", content: "x" }] }).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.code).toBe("model_not_found");
});

test("errors say they were not cached, like every answer of these endpoints", async () => {
  const r = await post("/v1/chat/completions", "{nope");
  expect(r.headers.get("x-wayfront-cache")).toBe("BYPASS");
  expect(r.headers.get("age")).toBe("0");
  expect(r.headers.get("x-wayfront-request-id")).toMatch(/^wf-/);
});

// ---- "Unbreakable": no 5xx from any client input, no stack or source ever ----

/** An OpenAI error body, and nothing of the gateway's insides (no HTML page, no source, no paths). */
function expectCleanError(text: string) {
  expectOpenAiError(JSON.parse(text));
  expect(text).not.toContain("<html");
  expect(text).not.toContain(process.cwd());
  expect(text).not.toMatch(/\.ts:\d+/);
}

test("Responses items and tools the translator cannot read → 400 naming the param (a chat upstream, so translated)", async () => {
  const cases: [object, string][] = [
    [{ input: [{ type: "message", role: "user" }] }, "input.0.content"],
    [{ input: [{ type: "message", role: "user", content: 42 }] }, "input.0.content"],
    [{ input: [{ role: "user", content: { text: "x" } }] }, "input.0.content"],
    [{ input: [{ type: "function_call", call_id: "c1", arguments: "{}" }] }, "input.0.name"],
    [
      {
        input: [
          { role: "user", content: "x" },
          { type: "custom_tool_call", call_id: "c1", input: "x" },
        ],
      },
      "input.1.name",
    ],
    [{ input: "x", tools: [{ type: "function", parameters: {} }] }, "tools.0.name"],
    [{ input: "x", tools: [{ type: "custom" }] }, "tools.0.name"],
    [{ input: "x", tools: [{ type: "namespace", name: "agents", tools: "spawn_agent" }] }, "tools.0.tools"],
    [{ input: "x", tools: [{ type: "namespace", name: "agents", tools: [{ type: "function" }] }] }, "tools.0.tools.0.name"],
  ];
  for (const [body, param] of cases) {
    for (const stream of [false, true]) {
      const r = await post("/v1/responses", { model: "gpu/m", stream, ...body });
      expect({ param, stream, status: r.status }).toEqual({ param, stream, status: 400 });
      expectCleanError(r.text);
      expect(r.json.error.param).toBe(param);
      expect(r.json.error.message).toContain(`'${param}'`);
    }
  }
});

test("JSON nested 50,000 levels deep → 400 json_too_deep at every endpoint, before anything recurses", async () => {
  const deep = "[".repeat(50_000) + "]".repeat(50_000);
  for (const [path, body] of [
    ["/v1/chat/completions", `{"model":"gpu/m","messages":[{"role":"user","content":"x"}],"metadata":${deep}}`],
    ["/v1/chat/completions", `{"model":"gpu/m","messages":${deep}}`],
    ["/v1/responses", `{"model":"gpu/m","input":[{"role":"user","content":${deep}}]}`],
    ["/v1/completions", `{"model":"gpu/m","prompt":${deep}}`],
    ["/v1/embeddings", `{"model":"gpu/m","input":${deep}}`],
  ]) {
    const r = await fetch(roomy.url + path, { method: "POST", body, headers: { "content-type": "application/json" } });
    const text = await r.text();
    expect({ path, status: r.status }).toEqual({ path, status: 400 });
    expectCleanError(text);
    expect(JSON.parse(text).error.code).toBe("json_too_deep");
  }
  // The default limit (512) leaves ordinary deep schemas alone.
  const schema = JSON.parse(`${'{"type":"object","properties":{"a":'.repeat(40)}{"type":"string"}${"}}".repeat(40)}`);
  const ok = await fetch(roomy.url + "/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpu/m",
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "f", parameters: schema } }],
    }),
  });
  expect(ok.status).toBe(200);
});

test("a malformed percent-encoding in a path → 400 invalid_request; a valid one is decoded once", async () => {
  for (const path of ["/v1/models/%E0%A4%A", "/v1/responses/%zz", "/models/%", "/responses/resp_%C3"]) {
    const r = await fetch(gw.url + path);
    const text = await r.text();
    expect({ path, status: r.status }).toEqual({ path, status: 400 });
    expectCleanError(text);
    expect(JSON.parse(text).error.code).toBe("invalid_request");
  }
  const once = await fetch(gw.url + "/v1/responses/resp_a%2541");
  expect(once.status).toBe(404);
  expect((await once.json()).error.message).toContain("'resp_a%41'");
  expect((await fetch(gw.url + "/v1/models/gpu%2Fm")).status).toBe(200);
});

test("every method on every path gets an OpenAI answer (raw sockets: fetch normalises methods)", async () => {
  const paths = [
    "/v1/chat/completions",
    "/responses",
    "/v1/models",
    "/v1/models/m",
    "/v1/responses/resp_x",
    "/",
    "/status.json",
    "/metrics",
    "/healthz",
    "/nope",
  ];
  for (const method of ["CONNECT", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "PURGE"]) {
    for (const path of paths) {
      const r = await rawHttp(gw.port, [`${method} ${path} HTTP/1.1\r\n${HOST(gw)}Connection: close\r\n\r\n`]);
      const known = path !== "/nope";
      expect({ method, path, status: r.status }).toEqual({ method, path, status: known ? 405 : 404 });
      expectCleanError(r.body);
      if (known) expect(r.headers.allow).toBe(path.includes("completions") || path === "/responses" ? "POST" : "GET, HEAD");
    }
  }
  // CONNECT's authority form is not a URL: once Bun's development error page (source and all).
  const connect = await rawHttp(gw.port, [`CONNECT 127.0.0.1:443 HTTP/1.1\r\n${HOST(gw)}Connection: close\r\n\r\n`]);
  expect(connect.status).toBe(404);
  expectCleanError(connect.body);
  expect(JSON.parse(connect.body).error.code).toBe("unknown_url");
  // Method tokens outside Bun's table (lowercase, made up) are refused by Bun's HTTP parser
  // before any of our code runs (oven-sh/bun#6556): the connection is closed at once, with
  // nothing sent. Should Bun ever hand them over, they must get our JSON like the rest.
  for (const method of ["get", "post", "FOO", "Get", "X-CUSTOM"]) {
    const r = await rawHttp(gw.port, [`${method} /v1/models HTTP/1.1\r\n${HOST(gw)}Connection: close\r\n\r\n`]);
    expect({ method, closed: r.closed }).toEqual({ method, closed: true });
    if (r.bytes > 0) expectCleanError(r.body);
  }
  expect((await fetch(gw.url + "/healthz")).status).toBe(200);
});

test("a body over the limit gets our 413 whatever its framing: declared huge, chunked past Bun's old cap (raw sockets)", async () => {
  const head = `POST /v1/chat/completions HTTP/1.1\r\n${HOST(gw)}Content-Type: application/json\r\n`;
  // Declared far over the limit (and over Bun's default 128 MiB cap), then a few bytes.
  const declared = await rawHttp(gw.port, [`${head}Content-Length: 10000000000\r\n\r\n{"model":"gpu/m",`]);
  expect(declared.status).toBe(413);
  expectCleanError(declared.body);
  expect(JSON.parse(declared.body).error.code).toBe("request_too_large");
  expect(declared.closed).toBe(true);
  // Chunked, no length, 2 MiB: past body_limit + 1 MiB, where Bun used to cut the connection.
  const chunk = `${(64 * 1024).toString(16)}\r\n${"y".repeat(64 * 1024)}\r\n`;
  const chunked = await rawHttp(gw.port, [
    `${head}Transfer-Encoding: chunked\r\n\r\n`,
    `d\r\n{"model":"x",\r\n`,
    ...Array.from({ length: 32 }, () => chunk),
    "0\r\n\r\n",
  ]);
  expect(chunked.status).toBe(413);
  expectCleanError(chunked.body);
  // Declared within the limit, then more: the rest is not this request's body, and the
  // request itself is answered normally (here: a body that is not JSON).
  const lying = await rawHttp(gw.port, [`${head}Content-Length: 5\r\nConnection: close\r\n\r\n`, `${"z".repeat(200_000)}`]);
  expect(lying.status).toBe(400);
  expectCleanError(lying.body);
});

test("an upload that stalls mid-body gets 408 request_timeout after server.body_timeout, and the connection is closed", async () => {
  const r = await rawHttp(roomy.port, [
    `POST /v1/chat/completions HTTP/1.1\r\n${HOST(roomy)}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
  ]);
  expect(r.status).toBe(408);
  expectCleanError(r.body);
  expect(JSON.parse(r.body).error.code).toBe("request_timeout");
  expect(r.closed).toBe(true);
  // Chunked and silent after the first chunk: the same.
  const c = await rawHttp(roomy.port, [
    `POST /v1/responses HTTP/1.1\r\n${HOST(roomy)}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`,
  ]);
  expect(c.status).toBe(408);
  expect(c.closed).toBe(true);
});

test("a 500 that remains is logged with its cause and request id; the client sees neither cause nor stack", async () => {
  // In the pipeline: a stage that throws an unexpected exception.
  const cache = gw.gateway.cache;
  const lookup = cache.lookup;
  cache.lookup = () => {
    throw new TypeError("boom in the cache lookup");
  };
  let r: Awaited<ReturnType<typeof post>>;
  try {
    r = await post("/v1/chat/completions", { model: "gpu/m", messages: [{ role: "user", content: "x" }] });
  } finally {
    cache.lookup = lookup;
  }
  expect(r.status).toBe(500);
  expect(r.json).toEqual({ error: { message: "internal gateway error", type: "server_error", param: null, code: "internal" } });
  const id = r.headers.get("x-wayfront-request-id")!;
  const line = gw.logs.map((l) => JSON.parse(l)).find((l) => l.id === id);
  expect(line.status).toBe(500);
  expect(line.error).toContain("TypeError: boom in the cache lookup");

  // Outside the pipeline (a handler of its own): Elysia's error hook, which once came too late.
  const registry = gw.gateway.registry;
  gw.gateway.registry = new Proxy(registry, {
    get(target, key) {
      if (key === "list") throw new RangeError("boom in the model list");
      return Reflect.get(target, key);
    },
  });
  let res: Response;
  try {
    res = await fetch(gw.url + "/v1/models");
  } finally {
    gw.gateway.registry = registry;
  }
  const text = await res.text();
  expect(res.status).toBe(500);
  expectCleanError(text);
  expect(text).not.toContain("boom");
  const rid = res.headers.get("x-wayfront-request-id")!;
  expect(rid).toMatch(/^wf-/);
  const event = gw.logs.map((l) => JSON.parse(l)).find((l) => l.request_id === rid);
  expect(event).toMatchObject({ level: "error", msg: "unhandled error", name: "RangeError", message: "boom in the model list", path: "/v1/models" });
});
