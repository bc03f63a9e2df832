// A seeded, bounded fuzz of the whole HTTP surface: random and malformed bodies, headers,
// methods and paths at every endpoint, through a real gateway in front of a chat-only mock
// (so Responses requests are translated). No client input may get a 5xx (only an upstream's
// own failure, named as such, after the request reached it), every error is OpenAI-shaped
// JSON with nothing of the gateway's insides, the gateway still answers at the end, and
// memory comes back. Reproduce a failure with FUZZ_SEED=<seed> (FUZZ_CASES to change the size).
import { mulberry32, type Rng } from "../helpers/rng.ts";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { CODEX_FIXTURES } from "../helpers/fixtures.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f022);
const CASES = Number(process.env.FUZZ_CASES ?? 2500);
const BODY_LIMIT = 256 * 1024;

let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  gw = await startTestGateway(`[server]\nbody_limit = ${BODY_LIMIT}\nbody_timeout = "5s"\n` + upstreamToml("gpu", mock.url, `wire = ["chat"]`));
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

// ---- the same seed gives the same requests (tests/helpers/rng.ts) ----

class Gen {
  constructor(readonly r: Rng) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** Weighted choice: [weight, value] pairs. */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    let n = this.r() * xs.reduce((s, [w]) => s + w, 0);
    for (const [w, v] of xs) {
      n -= w;
      if (n < 0) return v;
    }
    return xs[xs.length - 1][1];
  }
  string(max = 12): string {
    const alphabets = ["abcdefghijklmnopqrstuvwxyz", "AZaz09_-./", ' \t\n"\\/{}[]:,', "é漢字🙂\u0000\u001f\u2028\ufffd", "%+&?#=;"];
    let s = "";
    for (let i = this.int(max + 1); i > 0; i--) s += this.pick([...this.pick(alphabets)]);
    return s;
  }
}

// ---- what the gateway knows of each endpoint ----

const KNOWN_FIELDS: Record<string, string[]> = {
  chat: [
    "model",
    "messages",
    "stream",
    "stream_options",
    "tools",
    "tool_choice",
    "functions",
    "function_call",
    "temperature",
    "top_p",
    "max_tokens",
    "max_completion_tokens",
    "reasoning_effort",
    "response_format",
    "stop",
    "n",
    "seed",
    "user",
    "metadata",
    "parallel_tool_calls",
  ],
  responses: [
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "text",
    "reasoning",
    "max_output_tokens",
    "temperature",
    "top_p",
    "stop",
    "user",
    "stream",
    "store",
    "previous_response_id",
    "metadata",
    "include",
    "prompt_cache_key",
  ],
  completions: ["model", "prompt", "stream", "stream_options", "max_tokens", "temperature", "top_p", "stop", "suffix", "n", "echo", "seed"],
  embeddings: ["model", "input", "encoding_format", "dimensions", "user"],
};
const API_PATHS: Record<string, string> = {
  chat: "/chat/completions",
  responses: "/responses",
  completions: "/completions",
  embeddings: "/embeddings",
};
const GET_PATHS = ["/v1/models", "/models", "/v1/models/m", "/v1/models/gpu%2Fm", "/", "/status", "/status.json", "/metrics", "/healthz"];

const CODEX = ["turn1-request.json", "turn2-tool-result-request.json"].map((f) => JSON.parse(readFileSync(CODEX_FIXTURES + f, "utf8")).body);

function validBody(g: Gen, api: string): Record<string, unknown> {
  const model = g.weighted([
    [8, "gpu/m"],
    [3, "m"],
    [1, g.string(8).replaceAll("+", "")], // fault markers in the mock ride on "+"
  ] as const);
  const stream = g.chance(0.3);
  switch (api) {
    case "chat":
      return {
        model,
        messages: [
          ...(g.chance(0.3) ? [{ role: "system", content: "be brief" }] : []),
          { role: "user", content: g.chance(0.7) ? "hi" : [{ type: "text", text: "hi" }] },
          ...(g.chance(0.2)
            ? [
                { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
                { role: "tool", tool_call_id: "c1", content: "ok" },
              ]
            : []),
        ],
        ...(stream ? { stream, stream_options: { include_usage: g.chance(0.5) } } : {}),
        ...(g.chance(0.3) ? { tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }] } : {}),
      };
    case "responses":
      if (g.chance(0.4)) return { ...structuredClone(g.pick(CODEX)), model, stream };
      return {
        model,
        input: g.chance(0.4)
          ? "hi"
          : [
              { type: "message", role: "developer", content: "be brief" },
              { role: "user", content: [{ type: "input_text", text: "hi" }] },
              ...(g.chance(0.3)
                ? [
                    { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
                    { type: "function_call_output", call_id: "c1", output: "ok" },
                  ]
                : []),
              ...(g.chance(0.2) ? [{ type: "reasoning", summary: [] }] : []),
            ],
        stream,
        ...(g.chance(0.3)
          ? { tools: [{ type: "function", name: "f", parameters: { type: "object", properties: {} } }, { type: "web_search" }] }
          : {}),
        ...(g.chance(0.2) ? { text: { format: { type: "json_object" } } } : {}),
        ...(g.chance(0.2) ? { store: false } : {}),
      };
    case "completions":
      return { model, prompt: g.chance(0.8) ? "hi" : ["a", "b"], ...(stream ? { stream } : {}) };
    default:
      return { model, input: g.chance(0.7) ? "hi" : ["a", "b"] };
  }
}

/** Raw JSON literals JSON.stringify cannot make: spliced into the text in place of a marker. */
const RAW_LITERALS = [
  "1e999",
  "-0",
  "-1e-400",
  "123456789012345678901234567890",
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  '"\\\\"',
  "[]",
  "{}",
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":1}}',
];

function randomJson(g: Gen, depth: number): unknown {
  const kind = depth <= 0 ? g.int(5) : g.int(7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return g.chance(0.5);
    case 2:
      return g.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, Number.MIN_VALUE, g.int(1000)]);
    case 3:
    case 4:
      return g.chance(0.2)
        ? g.pick([
            "user",
            "assistant",
            "system",
            "developer",
            "tool",
            "message",
            "function_call",
            "function",
            "namespace",
            "input_text",
            "input_image",
            "text",
            "image_url",
            "none",
            "auto",
            "required",
          ])
        : g.string();
    case 5:
      return Array.from({ length: g.int(4) }, () => randomJson(g, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = g.int(4); i > 0; i--)
        o[
          g.chance(0.5)
            ? g.pick([
                "type",
                "role",
                "content",
                "name",
                "text",
                "tools",
                "arguments",
                "call_id",
                "function",
                "image_url",
                "url",
                "output",
                "__proto__",
              ])
            : g.string(6)
        ] = randomJson(g, depth - 1);
      return o;
    }
  }
}

/** Replace (or delete) one node of `v`, picked at random, in place. */
function mutateNode(g: Gen, v: unknown, raws: string[]): void {
  const nodes: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (x: unknown, d: number) => {
    if (d > 12 || x === null || typeof x !== "object") return;
    for (const [k, c] of Object.entries(x)) {
      nodes.push([x as Record<string, unknown>, Array.isArray(x) ? Number(k) : k]);
      walk(c, d + 1);
    }
  };
  walk(v, 0);
  if (nodes.length === 0) return;
  const [parent, key] = nodes[g.int(nodes.length)];
  const p = parent as Record<string | number, unknown>;
  if (!Array.isArray(parent) && g.chance(0.2)) delete p[key];
  else if (g.chance(0.1)) {
    p[key] = `@@RAW${raws.length}@@`;
    raws.push(g.pick(RAW_LITERALS));
  } else p[key] = randomJson(g, 3);
}

function stringify(v: unknown, raws: string[]): string {
  let text = JSON.stringify(v) ?? "null";
  raws.forEach((raw, i) => {
    text = text.replace(`"@@RAW${i}@@"`, raw);
  });
  return text;
}

function deepText(g: Gen, api: string): string {
  const depth = g.weighted([
    [3, 500 + g.int(30)], // around the 512 limit
    [2, 2_000 + g.int(20_000)],
    [1, 60_000],
  ] as const);
  const open = g.pick(["[", '{"a":', '[{"b":', '{"content":[']);
  const close = open === "[" ? "]" : open === '{"a":' ? "}" : open === '[{"b":' ? "}]" : "]}";
  const inner = open.repeat(depth) + "1" + close.repeat(depth);
  const field = g.pick(KNOWN_FIELDS[api]);
  const text = stringify({ ...validBody(g, api), [field]: "@@RAW0@@" }, [inner]);
  return g.chance(0.2) ? text.slice(0, g.int(text.length)) : text;
}

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  /** Sent over a raw socket: a method fetch would not send as is, or bytes it would not frame. */
  raw?: boolean;
}

function apiPath(g: Gen, api: string): string {
  const path = API_PATHS[api];
  return g.weighted([
    [10, `/v1${path}`],
    [3, path],
    [1, `/v1${path}/`],
    [1, `/V1${path}`],
    [1, `/v1${path}?stream=true&x=%zz`],
  ] as const);
}

function randomPath(g: Gen): string {
  return g.weighted([
    [3, g.pick(GET_PATHS)],
    [2, `/v1/models/${g.pick(["x", "gpu/m", "%E0%A4%A", "%zz", "%", "..%2F..%2Fetc", encodeURIComponent(g.string(20)), "a".repeat(300)])}`],
    [2, `/v1/responses/${g.pick(["resp_abc", "resp_%zz", "%E0%A4%A", "..", encodeURIComponent(g.string(20)), `resp_${"0".repeat(48)}`])}`],
    [2, `/${Array.from({ length: 1 + g.int(4) }, () => encodeURIComponent(g.string(8)) || "x").join("/")}`],
    [
      1,
      g.pick([
        "//",
        "/v1//chat/completions",
        "/v1/chat/completions/../models",
        "/%2e%2e/%2e%2e",
        "/v1/",
        "/v1",
        "/metrics?format=%zz",
        "/healthz#frag",
      ]),
    ],
    [1, `/v1/${g.pick(Object.values(API_PATHS)).slice(1)}`],
  ] as const);
}

function randomHeaders(g: Gen): Record<string, string> {
  const h: Record<string, string> = {};
  const ct = g.weighted([
    [8, "application/json"],
    [1, "text/plain"],
    [1, "application/x-www-form-urlencoded"],
    [1, "multipart/form-data; boundary=zzz"],
    [1, "application/json; charset=latin1"],
    [1, ""],
  ] as const);
  if (ct) h["content-type"] = ct;
  if (g.chance(0.1)) h["x-wayfront-route"] = g.pick(["local", "LOCAL", " local ", "nowhere", "", "cloud"]);
  if (g.chance(0.1)) h["x-wayfront-cache"] = g.pick(["no-store", "bypass", "refresh", "only-if-cached", "??", ""]);
  if (g.chance(0.1)) h["cache-control"] = g.pick(["no-cache", "no-store", "max-age=abc", "max-age=-1", "only-if-cached", ",,,"]);
  if (g.chance(0.1)) h.authorization = g.pick(["Bearer sk-nope", "Basic Zm9vOmJhcg==", "Bearer", ""]);
  if (g.chance(0.05)) h.accept = g.pick(["text/event-stream", "*/*", "application/xml"]);
  if (g.chance(0.05)) h["x-request-id"] = "r".repeat(1 + g.int(2000));
  for (let i = g.chance(0.1) ? 1 + g.int(3) : 0; i > 0; i--)
    h[`x-${g.string(6).replace(/[^a-z0-9-]/gi, "") || "z"}`] = g.string(20).replace(/[^\x20-\x7e]/g, "?");
  return h;
}

/** A generating endpoint's body, of one of the kinds of wrong. */
function randomBody(g: Gen, api: string): string | Uint8Array<ArrayBuffer> {
  const kind = g.weighted([
    [40, "mutated"],
    [10, "wrong-type-field"],
    [8, "random-tree"],
    [8, "truncated"],
    [4, "deep"],
    [3, "huge-string"],
    [5, "non-utf8"],
    [5, "odd-literal"],
    [10, "valid"],
  ] as const);
  const raws: string[] = [];
  switch (kind) {
    case "valid":
      return JSON.stringify(validBody(g, api));
    case "mutated": {
      const b = validBody(g, api);
      // Codex-like inputs: mostly their items, else anywhere (tool schemas, instructions…).
      const where = api === "responses" && Array.isArray(b.input) && g.chance(0.6) ? b.input : b;
      for (let i = 1 + g.int(3); i > 0; i--) mutateNode(g, where, raws);
      return stringify(b, raws);
    }
    case "wrong-type-field": {
      const b = validBody(g, api);
      for (let i = 1 + g.int(2); i > 0; i--) b[g.pick(KNOWN_FIELDS[api])] = randomJson(g, 2);
      return stringify(b, raws);
    }
    case "random-tree":
      return JSON.stringify(randomJson(g, 5)) ?? "null";
    case "truncated": {
      const text = JSON.stringify(validBody(g, api));
      return text.slice(0, g.int(text.length));
    }
    case "deep":
      return deepText(g, api);
    case "huge-string": {
      const b = validBody(g, api);
      const size = g.pick([16 * 1024, 128 * 1024, BODY_LIMIT - 200, BODY_LIMIT + 10]);
      const field = g.pick(KNOWN_FIELDS[api]);
      b[field] = g.chance(0.5) ? "x".repeat(size) : [{ role: "user", content: "é".repeat(size / 2) }];
      return JSON.stringify(b);
    }
    case "non-utf8": {
      const text = Buffer.from(JSON.stringify(validBody(g, api)));
      const at = g.int(text.length);
      const junk = Buffer.from(g.pick([[0xff], [0xc3], [0xe0, 0xa4], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x00], [0xfe, 0xff]]));
      return g.chance(0.2)
        ? new Uint8Array(Array.from({ length: 1 + g.int(200) }, () => g.int(256)))
        : new Uint8Array(Buffer.concat([text.subarray(0, at), junk, text.subarray(at)]));
    }
    default:
      return g.pick([
        "",
        " ",
        "\n",
        "null",
        "0",
        "-1",
        "true",
        '"model"',
        "[]",
        "[{}]",
        "{}",
        '{"model":""}',
        '{"model":"gpu/m"}',
        '{"model":null}',
        "{,}",
        "\ufeff{}",
        '{"model":"gpu/m","model":5}',
      ]);
  }
}

function randomCase(g: Gen): Case {
  const api = g.pick(Object.keys(API_PATHS));
  const shape = g.weighted([
    [70, "post"],
    [12, "get"],
    [10, "any"],
    [8, "raw"],
  ] as const);
  switch (shape) {
    case "post":
      return { method: "POST", path: apiPath(g, api), headers: randomHeaders(g), body: randomBody(g, api) };
    case "get":
      return { method: g.pick(["GET", "GET", "HEAD"]), path: randomPath(g), headers: g.chance(0.2) ? randomHeaders(g) : {} };
    case "any": {
      const method = g.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]);
      const path = g.chance(0.5) ? apiPath(g, api) : randomPath(g);
      const body = method === "GET" || method === "HEAD" ? undefined : g.chance(0.5) ? randomBody(g, api) : undefined;
      return { method, path, headers: randomHeaders(g), body };
    }
    default: {
      const method = g.pick(["CONNECT", "TRACE", "PROPFIND", "PURGE", "QUERY", "get", "post", "Post", "FOO", "M-SEARCH", "BREW"]);
      const path =
        method === "CONNECT" && g.chance(0.5)
          ? g.pick(["127.0.0.1:443", "example.com:80", "[::1]:1"])
          : g.chance(0.5)
            ? apiPath(g, api)
            : randomPath(g);
      return { method, path, headers: randomHeaders(g), body: g.chance(0.5) ? randomBody(g, api) : undefined, raw: true };
    }
  }
}

/** Every known field of every endpoint, and of every Responses item and tool, with each wrong type once. */
function sweep(g: Gen): Case[] {
  const wrong = [null, 7, "x", [], {}, true];
  const post = (api: string, body: unknown): Case => ({
    method: "POST",
    path: `/v1${API_PATHS[api]}`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const out: Case[] = [];
  for (const api of Object.keys(KNOWN_FIELDS)) {
    for (const field of KNOWN_FIELDS[api]) for (const v of wrong) out.push(post(api, { ...validBody(g, api), model: "gpu/m", [field]: v }));
  }
  const items: Record<string, unknown>[] = [
    { type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] },
    { type: "function_call", call_id: "c1", name: "f", arguments: "{}", namespace: "ns" },
    { type: "custom_tool_call", call_id: "c2", name: "g", input: "x" },
    { type: "function_call_output", call_id: "c1", output: "ok" },
    { type: "custom_tool_call_output", call_id: "c2", output: [{ type: "input_text", text: "ok" }] },
  ];
  const tools: Record<string, unknown>[] = [
    { type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: false },
    { type: "custom", name: "g", description: "d", format: { type: "grammar", syntax: "lark", definition: "start: /x/" } },
    { type: "namespace", name: "ns", description: "d", tools: [{ type: "function", name: "h" }] },
  ];
  for (const item of items) {
    for (const key of Object.keys(item)) {
      out.push(post("responses", { model: "gpu/m", input: [{ ...item, [key]: undefined }] }));
      for (const v of wrong) out.push(post("responses", { model: "gpu/m", input: [{ ...item, [key]: v }] }));
    }
  }
  for (const tool of tools) {
    for (const key of Object.keys(tool)) {
      out.push(post("responses", { model: "gpu/m", input: "hi", tools: [{ ...tool, [key]: undefined }] }));
      for (const v of wrong) out.push(post("responses", { model: "gpu/m", input: "hi", tools: [{ ...tool, [key]: v }] }));
    }
  }
  return out;
}

// ---- sending ----

interface Answer {
  status: number;
  body: string;
  /** Only raw sends: the server closed without sending anything (Bun refusing a method). */
  silent?: boolean;
}

async function send(c: Case): Promise<Answer> {
  if (c.raw) return sendRaw(c);
  const res = await fetch(gw.url + c.path, { method: c.method, headers: c.headers, body: c.body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

function sendRaw(c: Case): Promise<Answer> {
  const body = c.body === undefined ? Buffer.alloc(0) : Buffer.from(c.body);
  const head = [
    `${c.method} ${c.path} HTTP/1.1`,
    `Host: 127.0.0.1:${gw.port}`,
    "Connection: close",
    ...Object.entries(c.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (body.length > 0) head.push(`Content-Length: ${body.length}`);
  let pending = Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), body]);
  const got: Buffer[] = [];
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const all = Buffer.concat(got);
      if (all.length === 0) return resolve({ status: 0, body: "", silent: true });
      const text = all.toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const status = Number(text.slice(0, split).split(" ")[1]);
      const chunked = /\r\ntransfer-encoding: chunked/i.test(text.slice(0, split));
      let rest = text.slice(split + 4);
      if (chunked) rest = rest.replace(/(?:^|\r\n)[0-9a-f]+\r\n/gi, ""); // good enough for a JSON error body
      resolve({ status, body: rest });
    };
    const timer = setTimeout(() => {
      done = true;
      reject(new Error("raw request: no answer and no close within 10 s"));
    }, 10_000);
    const flush = (s: { write(b: Uint8Array): number }) => {
      const n = s.write(pending);
      pending = pending.subarray(Math.max(0, n));
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port: gw.port,
      socket: { open: flush, drain: flush, data: (_s, d) => void got.push(Buffer.from(d)), close: finish, end: finish, error: finish },
    }).catch(finish);
  });
}

// ---- judging ----

function show(c: Case): string {
  const body = c.body === undefined ? undefined : typeof c.body === "string" ? c.body : `bytes:${Buffer.from(c.body).toString("base64")}`;
  const shown = body && body.length > 3000 ? `${body.slice(0, 3000)}… (${body.length} chars)` : body;
  return JSON.stringify({ method: c.method, path: c.path, headers: c.headers, raw: c.raw, body: shown });
}

function isOpenAiError(text: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  const e = (v as { error?: Record<string, unknown> })?.error;
  return (
    Object.keys(v as object).join() === "error" &&
    !!e &&
    Object.keys(e).sort().join() === "code,message,param,type" &&
    typeof e.message === "string" &&
    typeof e.type === "string" &&
    (e.code === null || typeof e.code === "string") &&
    (e.param === null || typeof e.param === "string")
  );
}

/** Why an answer is wrong for this request, or null. `reached`: the request got to the mock. */
function verdict(c: Case, a: Answer, reached: boolean): string | null {
  if (a.silent) {
    // Bun's HTTP parser closes on method tokens outside its table before any of our code runs.
    return c.raw && !/^(CONNECT|TRACE|PROPFIND|PURGE|QUERY|M-SEARCH)$/.test(c.method) ? null : "the connection closed without an answer";
  }
  const ok = a.status >= 200 && a.status < 300;
  if (!ok && (/<html|<!doctype/i.test(a.body) || a.body.includes(process.cwd()) || /\.ts:\d+/.test(a.body)))
    return "the error shows the gateway's insides";
  if (a.status >= 500) {
    const message = isOpenAiError(a.body) ? (JSON.parse(a.body).error.message as string) : "";
    const upstreamsFault = reached && message.includes("`gpu`");
    // Documented (README Routing): a tier the client asks for that has no target is a 503.
    const noTier = c.headers["x-wayfront-route"]?.trim().toLowerCase() === "cloud" && JSON.parse(a.body).error?.code === "no_target_in_tier";
    if (!upstreamsFault && !noTier) return `a ${a.status} for client input`;
  }
  if (!ok && c.method.toUpperCase() !== "HEAD" && !isOpenAiError(a.body)) return "an error that is not OpenAI-shaped JSON";
  return null;
}

test(`fuzz: ${CASES} random and malformed requests (seed ${SEED}) get no 5xx and only OpenAI-shaped errors`, async () => {
  const g = new Gen(mulberry32(SEED));
  const rss0 = process.memoryUsage().rss;
  const started = performance.now();
  const statuses = new Map<number, number>();
  const fixed = sweep(g);
  for (let i = 0; i < CASES; i++) {
    const c = i < fixed.length ? fixed[i] : randomCase(g);
    mock.requests.length = 0; // what reached the mock, for this request only (and no memory held)
    let a: Answer;
    try {
      a = await send(c);
    } catch (err) {
      throw new Error(`fuzz seed ${SEED}, case ${i}: ${(err as Error).message}\nrequest: ${show(c)}`);
    }
    const reached = mock.requests.some((r) => r.method === "POST");
    const wrong = verdict(c, a, reached);
    if (wrong) throw new Error(`fuzz seed ${SEED}, case ${i}: ${wrong} (${a.status})\nrequest: ${show(c)}\nanswer: ${a.body.slice(0, 2000)}`);
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  }
  const ms = Math.round(performance.now() - started);
  // Still serving, and memory back near where it started.
  const health = await fetch(`${gw.url}/healthz`);
  expect(health.status).toBe(200);
  Bun.gc(true);
  const grown = (process.memoryUsage().rss - rss0) / 1024 / 1024;
  console.log(
    `fuzz: ${CASES} cases in ${ms} ms, RSS ${grown >= 0 ? "+" : ""}${grown.toFixed(0)} MB; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([x], [y]) => x - y)))}`,
  );
  expect(grown).toBeLessThan(200);
  // The fuzz reached the gateway's every answer kind, not only its front door.
  for (const s of [200, 400, 404, 405, 413]) expect(statuses.get(s) ?? 0).toBeGreaterThan(0);
}, 60_000);
