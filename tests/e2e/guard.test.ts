// What a web page can do to a gateway on the home network, over real HTTP: a foreign Origin
// is refused (403) before anything runs, a Host that is not this machine's (DNS rebinding) is
// 421, a generating POST that is not JSON (the no-preflight CSRF) is 415, and nothing of it
// reaches the upstream; an allowed origin gets correct CORS. Raw sockets where fetch would
// set the Host header itself.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { hostAllowed } from "../../src/server/guard.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

const ALLOWED = "http://app.example:3000";
const CHAT = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
const JSON_TYPE = { "content-type": "application/json" };
let mock: MockUpstream;
let gw: TestGateway;

const serverToml = (origins: string[]) =>
  `[server]\nallowed_origins = ${JSON.stringify(origins)}\nallowed_hosts = ["gpu-box.lan", "Box.LAN:1", "[fd00::5]"]\n[health]\ninterval = "1h"\n`;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"] });
  gw = await startTestGateway(serverToml([`${ALLOWED}/`]) + upstreamToml("gpu", mock.url));
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

/** What reached the upstream other than its health and model-list probes. */
const generated = () => mock.requests.filter((r) => r.method === "POST");

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request over a fresh socket, with exactly these headers (fetch sets Host itself); read to the close. */
function raw(port: number, head: string, body = ""): Promise<RawAnswer> {
  const received: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer in 5 s")), 5000);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).toString("utf8");
      const split = text.indexOf("\r\n\r\n");
      const [statusLine, ...lines] = text.slice(0, split).split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const at = l.indexOf(":");
        headers[l.slice(0, at).trim().toLowerCase()] = l.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body: text.slice(split + 4) });
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => void s.write(`${head.replace(/\n/g, "\r\n")}Connection: close\r\n\r\n${body}`),
        data: (_s, d) => void received.push(Buffer.from(d)),
        close: finish,
        error: finish,
      },
    }).catch(reject);
  });
}

const get = (path: string, host: string) => raw(gw.port, `GET ${path} HTTP/1.1\nHost: ${host}\n`);

function expectError(body: string, code: string) {
  const e = JSON.parse(body).error;
  expect(Object.keys(e).sort()).toEqual(["code", "message", "param", "type"]);
  expect(e.code).toBe(code);
  expect(typeof e.message).toBe("string");
}

test("CSRF: a text/plain POST from a foreign origin is refused 403 and never reaches the upstream", async () => {
  const before = generated().length;
  for (const path of ["/v1/chat/completions", "/chat/completions", "/v1/responses"]) {
    const r = await fetch(gw.url + path, { method: "POST", headers: { origin: "http://evil.example", "content-type": "text/plain" }, body: CHAT });
    expect(r.status).toBe(403);
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expectError(await r.text(), "origin_not_allowed");
  }
  // Even with a JSON type (what a preflight would have stopped) and on any path: the Origin decides first.
  for (const [method, path] of [
    ["POST", "/v1/chat/completions"],
    ["GET", "/v1/models"],
    ["GET", "/status.json"],
    ["GET", "/no/such/path"],
  ]) {
    const r = await fetch(gw.url + path, {
      method,
      headers: { origin: "http://evil.example", ...JSON_TYPE },
      body: method === "POST" ? CHAT : undefined,
    });
    expect(r.status).toBe(403);
    expectError(await r.text(), "origin_not_allowed");
  }
  // `null` (a sandboxed frame, a file:// page) is no allowed origin either.
  const n = await fetch(gw.v1 + "/chat/completions", { method: "POST", headers: { origin: "null", ...JSON_TYPE }, body: CHAT });
  expect(n.status).toBe(403);
  expect(generated().length).toBe(before);
});

test("CSRF: a generating POST without a JSON content-type is 415, Origin or not, and never reaches the upstream", async () => {
  const before = generated().length;
  for (const path of [
    "/v1/chat/completions",
    "/chat/completions",
    "/v1/responses",
    "/responses",
    "/v1/completions",
    "/v1/embeddings",
    "/embeddings",
  ]) {
    for (const type of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const r = await fetch(gw.url + path, { method: "POST", headers: { "content-type": type }, body: CHAT });
      expect(r.status).toBe(415);
      expectError(await r.text(), "unsupported_media_type");
    }
  }
  // No content-type at all (a Blob without a type is another no-preflight body).
  const none = await raw(gw.port, `POST /v1/chat/completions HTTP/1.1\nHost: 127.0.0.1:${gw.port}\nContent-Length: ${CHAT.length}\n`, CHAT);
  expect(none.status).toBe(415);
  expect(JSON.parse(none.body).error.message).toContain("got none");
  expect(generated().length).toBe(before);
  // An allowed page sending text/plain is told why, readably (CORS headers on the refusal).
  const allowed = await fetch(gw.v1 + "/chat/completions", {
    method: "POST",
    headers: { origin: ALLOWED, "content-type": "text/plain" },
    body: CHAT,
  });
  expect(allowed.status).toBe(415);
  expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  expect(generated().length).toBe(before);
});

test("JSON with parameters, in any case, is served", async () => {
  const before = generated().length;
  for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON ; charset=UTF-8"]) {
    const r = await fetch(gw.v1 + "/chat/completions", { method: "POST", headers: { "content-type": type }, body: CHAT });
    expect(r.status).toBe(200);
    expect((await r.json()).object).toBe("chat.completion");
  }
  expect(generated().length).toBe(before + 3);
});

test("DNS rebinding: a Host that is not this machine's is 421 on the API, /status.json and the status page", async () => {
  for (const path of ["/v1/models", "/models", "/status.json", "/", "/status", "/metrics", "/healthz", "/no/such/path"]) {
    for (const host of ["evil.example", `evil.example:${gw.port}`, "127.0.0.1.evil.example", "localhost.evil.example", "[::2]", "box.lan:2"]) {
      const r = await get(path, host);
      expect(r.status).toBe(421);
      expect(r.headers["content-type"]).toBe("application/json");
      expectError(r.body, "host_not_allowed");
      expect(r.body).not.toContain("<html");
    }
  }
  const before = generated().length;
  const post = await raw(
    gw.port,
    `POST /v1/chat/completions HTTP/1.1\nHost: evil.example:${gw.port}\nContent-Type: application/json\nContent-Length: ${CHAT.length}\n`,
    CHAT,
  );
  expect(post.status).toBe(421);
  expect(generated().length).toBe(before);
});

test("loopback names, the bound address and server.allowed_hosts pass the Host check", async () => {
  for (const host of [
    `127.0.0.1:${gw.port}`,
    "127.0.0.1",
    "127.9.8.7:1234",
    `localhost:${gw.port}`,
    "LOCALHOST",
    "localhost.",
    `[::1]:${gw.port}`,
    "[::ffff:127.0.0.1]",
    // allowed_hosts: a name at any port, a name:port at that port, an IPv6 literal.
    "gpu-box.lan",
    `GPU-BOX.lan:${gw.port}`,
    "box.lan:1",
    `[fd00::5]:${gw.port}`,
  ]) {
    const r = await get("/v1/models", host);
    expect({ host, status: r.status }).toEqual({ host, status: 200 });
  }
  expect((await get("/", "gpu-box.lan:4141")).body).toContain("<html");
});

test("the bound address passes the Host check when server.host names one; a wildcard bind names none", () => {
  // Only loopback can be bound here, so the pure check: server.host as configured.
  const at = (host: string) => ({ ...gw.gateway.config.server, host, allowedHosts: [] });
  expect(hostAllowed("192.168.1.20:4141", at("192.168.1.20"))).toBe(true);
  expect(hostAllowed("192.168.1.21:4141", at("192.168.1.20"))).toBe(false);
  expect(hostAllowed("[fe80::1]:4141", at("fe80::1"))).toBe(true);
  expect(hostAllowed("gpu-box:4141", at("gpu-box"))).toBe(true);
  expect(hostAllowed("0.0.0.0:4141", at("0.0.0.0"))).toBe(false);
  expect(hostAllowed("192.168.1.20:4141", at("0.0.0.0"))).toBe(false);
  expect(hostAllowed("[::]:4141", at("::"))).toBe(false);
  expect(hostAllowed("localhost:4141", at("0.0.0.0"))).toBe(true);
});

test("an allowed origin's preflight: 204, the origin echoed (never *), methods, the requested headers among the allowlist, max-age, vary", async () => {
  const r = await fetch(gw.v1 + "/chat/completions", {
    method: "OPTIONS",
    headers: {
      origin: ALLOWED,
      "access-control-request-method": "POST",
      "access-control-request-headers":
        "authorization,content-type,x-stainless-os,openai-beta,anthropic-version,x-wayfront-trace,x-api-key,x-evil,cookie",
    },
  });
  expect(r.status).toBe(204);
  expect(r.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  expect(r.headers.get("access-control-allow-methods")).toContain("POST");
  expect(r.headers.get("access-control-allow-methods")).toContain("GET");
  const allowed = r.headers.get("access-control-allow-headers")!.split(", ");
  expect(allowed).toEqual(["authorization", "content-type", "x-stainless-os", "openai-beta", "anthropic-version", "x-wayfront-trace", "x-api-key"]);
  expect(Number(r.headers.get("access-control-max-age"))).toBeGreaterThan(0);
  expect(r.headers.get("vary")!.split(/,\s*/)).toContain("origin");
  expect(r.headers.get("access-control-allow-credentials")).toBeNull();
  expect(await r.text()).toBe("");
  // Any path: the route decides on the real request.
  const status = await fetch(gw.url + "/status.json", { method: "OPTIONS", headers: { origin: ALLOWED, "access-control-request-method": "GET" } });
  expect(status.status).toBe(204);
  // A foreign origin's preflight fails: no CORS headers, so the browser never sends the request.
  const foreign = await fetch(gw.v1 + "/chat/completions", {
    method: "OPTIONS",
    headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
  });
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
});

test("an allowed origin's actual responses carry allow-origin, vary: origin and the exposed headers; no Origin, no CORS", async () => {
  const r = await fetch(gw.v1 + "/chat/completions", { method: "POST", headers: { origin: ALLOWED, ...JSON_TYPE }, body: CHAT });
  expect(r.status).toBe(200);
  expect(r.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  expect(r.headers.get("vary")).toContain("origin");
  const exposed = r.headers.get("access-control-expose-headers")!.split(", ");
  for (const h of ["x-wayfront-request-id", "x-wayfront-upstream", "x-wayfront-cache", "x-request-id", "retry-after"]) expect(exposed).toContain(h);
  expect((await r.json()).object).toBe("chat.completion");
  // A stream too, and errors (404, 405) and the status endpoints.
  const s = await fetch(gw.v1 + "/chat/completions", {
    method: "POST",
    headers: { origin: ALLOWED, ...JSON_TYPE },
    body: CHAT.replace("{", '{"stream":true,'),
  });
  expect(s.headers.get("content-type")).toContain("text/event-stream");
  expect(s.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  expect(await s.text()).toContain("[DONE]");
  for (const [method, path, status] of [
    ["GET", "/v1/models", 200],
    ["GET", "/status.json", 200],
    ["GET", "/no/such/path", 404],
    ["GET", "/v1/chat/completions", 405],
    ["GET", "/v1/models/nope", 404],
  ] as const) {
    const a = await fetch(gw.url + path, { method, headers: { origin: ALLOWED } });
    expect({ path, status: a.status, origin: a.headers.get("access-control-allow-origin") }).toEqual({ path, status, origin: ALLOWED });
    expect(a.headers.get("vary")).toContain("origin");
  }
  const plain = await fetch(gw.v1 + "/models");
  expect(plain.headers.get("access-control-allow-origin")).toBeNull();
  expect(plain.headers.get("access-control-expose-headers")).toBeNull();
});

test("the gateway's own origin (its status page) may call it; a look-alike may not", async () => {
  const own = await fetch(gw.url + "/status.json", { headers: { origin: gw.url } });
  expect(own.status).toBe(200);
  const ownLocal = await raw(gw.port, `GET /status.json HTTP/1.1\nHost: localhost:${gw.port}\nOrigin: http://localhost:${gw.port}\n`);
  expect(ownLocal.status).toBe(200);
  const otherPort = await fetch(gw.url + "/status.json", { headers: { origin: `http://127.0.0.1:${gw.port + 1}` } });
  expect(otherPort.status).toBe(403);
  const https = await fetch(gw.url + "/status.json", { headers: { origin: gw.url.replace("http:", "https:") } });
  expect(https.status).toBe(403);
});

test("a reload's allowed_origins apply to the next request", async () => {
  const next = "http://other.example";
  const ask = () => fetch(gw.v1 + "/models", { headers: { origin: next } }).then((r) => r.status);
  expect(await ask()).toBe(403);
  const reloaded = resolveConfig(
    parseConfigText(serverToml([next]) + upstreamToml("gpu", mock.url), "t.toml"),
    "t.toml",
    {},
    {
      host: "127.0.0.1",
      port: 0,
      dataDir: gw.dataDir,
    },
  );
  gw.reload(reloaded);
  try {
    expect(await ask()).toBe(200);
    expect((await fetch(gw.v1 + "/models", { headers: { origin: ALLOWED } })).status).toBe(403);
  } finally {
    gw.reload(
      resolveConfig(
        parseConfigText(serverToml([ALLOWED]) + upstreamToml("gpu", mock.url), "t.toml"),
        "t.toml",
        {},
        { host: "127.0.0.1", port: 0, dataDir: gw.dataDir },
      ),
    );
  }
});
