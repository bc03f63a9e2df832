// GET /v1/responses/{id} for an id Wayfront did not store: forwarded to the upstreams that
// speak Responses, in config order, each with its own key; the first 200 wins, else 404.
// The test mock does not serve GET /v1/responses/{id}, so a tiny local server stands in.
import { afterAll, beforeAll, expect, test } from "bun:test";
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
  const created = await fetch(`${gw.v1}/responses`, { method: "POST", body: JSON.stringify({ model: "chatonly/m", input: "keep me" }) });
  const id = (await created.json()).id;
  const before = gets(first.seen).length + gets(second.seen).length;
  const res = await fetch(`${gw.v1}/responses/${id}`);
  expect(res.status).toBe(200);
  expect((await res.json()).id).toBe(id);
  expect(gets(first.seen).length + gets(second.seen).length).toBe(before);
});
