// GET /v1/responses/{id} for an id Wayfront did not store: forwarded to the upstreams that
// speak Responses, in config order, each with its own key; the first 200 wins, else 404.
// The test mock does not serve GET /v1/responses/{id}, so a tiny local server stands in.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
}

/** A Responses-speaking upstream that holds the given stored responses and wants `key`. */
function responsesUpstream(key: string, stored: Record<string, unknown>) {
  const seen: Seen[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      const authorization = req.headers.get("authorization");
      seen.push({ method: req.method, path, authorization });
      if (authorization !== `Bearer ${key}`)
        return Response.json({ error: { message: "bad key", type: "invalid_request_error", code: "invalid_api_key" } }, { status: 401 });
      if (req.method === "GET" && path === "/v1/models") return Response.json({ object: "list", data: [] });
      // The wire probe: the route exists, and `{}` lacks a model.
      if (req.method === "POST" && path === "/v1/responses")
        return Response.json({ error: { message: "Missing required parameter: 'model'." } }, { status: 400 });
      const m = req.method === "GET" && path.match(/^\/v1\/responses\/([^/]+)$/);
      if (m && stored[decodeURIComponent(m[1])]) return Response.json(stored[decodeURIComponent(m[1])]);
      return Response.json({ error: { message: "not found", type: "invalid_request_error", code: "not_found" } }, { status: 404 });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/v1`, seen, stop: () => server.stop(true) };
}

const remote = { id: "resp_remote1", object: "response", status: "completed", model: "m", output: [] };
const later = { id: "resp_later", object: "response", status: "completed", model: "m", output: [] };

let chatOnly: MockUpstream;
let first: ReturnType<typeof responsesUpstream>;
let second: ReturnType<typeof responsesUpstream>;
let gw: TestGateway;

beforeAll(async () => {
  chatOnly = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  first = responsesUpstream("key-one", { [later.id]: { ...later, from: "first" } });
  second = responsesUpstream("key-two", { [remote.id]: remote, [later.id]: { ...later, from: "second" } });
  gw = await startTestGateway(
    upstreamToml("chatonly", chatOnly.url) +
      upstreamToml("first", first.url, 'api_key_env = "FIRST_KEY"') +
      upstreamToml("second", second.url, 'api_key_env = "SECOND_KEY"\nwire = ["chat", "responses"]'),
    { env: { FIRST_KEY: "key-one", SECOND_KEY: "key-two" } },
  );
});

afterAll(async () => {
  await gw.stop();
  await chatOnly.stop();
  first.stop();
  second.stop();
});

const gets = (seen: Seen[]) => seen.filter((s) => s.method === "GET" && s.path.startsWith("/v1/responses/"));

test("an id only an upstream stored is fetched from it, with the upstream's key, not the client's", async () => {
  const res = await fetch(`${gw.v1}/responses/${remote.id}`, { headers: { authorization: "Bearer client-secret" } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual(remote);
  expect(res.headers.get("x-wayfront-upstream")).toBe("second");
  // Config order: `first` was asked (and had nothing) before `second`.
  expect(gets(first.seen).map((s) => s.path)).toEqual([`/v1/responses/${remote.id}`]);
  expect(gets(second.seen).map((s) => s.path)).toEqual([`/v1/responses/${remote.id}`]);
  for (const s of [...first.seen, ...second.seen]) expect(s.authorization).not.toContain("client-secret");
  expect(gets(first.seen)[0].authorization).toBe("Bearer key-one");
  expect(gets(second.seen)[0].authorization).toBe("Bearer key-two");
  // The chat-only upstream is never asked.
  expect(chatOnly.requests.some((r) => r.method === "GET" && r.path.startsWith("/v1/responses/"))).toBe(false);
});

test("the first upstream with a 200 wins", async () => {
  const res = await fetch(`${gw.url}/responses/${later.id}`);
  expect(res.status).toBe(200);
  expect((await res.json()).from).toBe("first");
  expect(gets(second.seen).some((s) => s.path.endsWith(later.id))).toBe(false);
});

test("an id nobody has is 404, as an OpenAI error", async () => {
  const res = await fetch(`${gw.v1}/responses/resp_nowhere`);
  expect(res.status).toBe(404);
  const err = (await res.json()).error;
  expect(err.code).toBe("not_found");
  expect(err.message).toContain("resp_nowhere");
});

test("an id Wayfront stored is answered from its store without asking any upstream", async () => {
  const created = await fetch(`${gw.v1}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "chatonly/m", input: "keep me" }),
  });
  const id = (await created.json()).id;
  const before = gets(first.seen).length + gets(second.seen).length;
  const res = await fetch(`${gw.v1}/responses/${id}`);
  expect(res.status).toBe(200);
  expect((await res.json()).id).toBe(id);
  expect(gets(first.seen).length + gets(second.seen).length).toBe(before);
});

/**
 * GET a path exactly as written: fetch() would normalise `..` and `%2e%2e` away before sending,
 * which is what a hostile client need not do.
 */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer client-secret\r\nConnection: close\r\n\r\n`);
    });
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => (text += d));
    socket.on("error", reject);
    socket.on("end", () => {
      const status = Number(text.split(" ", 2)[1]);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
  });
}

const allSeen = () => [...first.seen, ...second.seen, ...chatOnly.requests.map((r) => ({ method: r.method, path: r.path }))];

test("an id that is not of the resp_… shape is 404 without asking any upstream (no path traversal)", async () => {
  const odd = [
    "%2e%2e",
    "..",
    ".",
    "%2E%2E",
    "a%2Fb",
    "resp_x%2F..",
    "resp_x%2F%2e%2e",
    "resp_x%2F..%2F..%2Fmodels",
    "..%2Fmodels",
    "resp_%3Fx%3D1",
    "resp_a%23b",
    "resp_",
    "resp_a.b",
    "resp_%00",
    "%20resp_abc",
    "resp_abc%0d%0aX-Injected:%201",
    `resp_${"a".repeat(300)}`,
    "RESP_abc",
    "msg_abc",
  ];
  const before = allSeen().length;
  for (const prefix of ["/v1", ""]) {
    for (const id of odd) {
      const res = await rawGet(gw.url, `${prefix}/responses/${id}`);
      // The router may not match a path Bun normalised (a 404 "unknown path"); either way a 404.
      expect({ id, status: res.status }).toEqual({ id, status: 404 });
      const err = JSON.parse(res.body).error;
      expect(err.type).toBe("invalid_request_error");
      expect(["not_found", "unknown_url"]).toContain(err.code);
    }
  }
  // Nothing at all reached an upstream: not the GET, not a rewritten `{base}/` or `{base}/models`.
  expect(allSeen().slice(before)).toEqual([]);
});

test("an odd id that reaches the handler is answered as a missing response, the way OpenAI does", async () => {
  const before = allSeen().length;
  for (const id of ["a%2Fb", "resp_x%2F..", "%2e%2e%2F"]) {
    const res = await fetch(`${gw.v1}/responses/${id}`);
    expect(res.status).toBe(404);
    const err = (await res.json()).error;
    expect(err).toMatchObject({ type: "invalid_request_error", code: "not_found", param: "response_id" });
  }
  expect(allSeen().slice(before)).toEqual([]);
});

test("a long odd id is not echoed whole", async () => {
  const res = await fetch(`${gw.v1}/responses/${"x".repeat(5000)}`);
  expect(res.status).toBe(404);
  expect((await res.json()).error.message.length).toBeLessThan(200);
});
