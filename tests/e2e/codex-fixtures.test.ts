// The request bodies and headers Codex CLI 0.169 really sends, replayed through the gateway
// to an upstream that speaks the Responses API, and the streams Codex accepted, relayed back.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startReplayUpstream } from "../mock/replay-upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { codexFixture, codexRequest as recorded } from "../helpers/fixtures.ts";

const fixture = (name: string) => Bun.file(codexFixture(name));
const CODEX_HEADERS = (await recorded("turn1-request.json")).headers;

let mock: MockUpstream;
let text: Awaited<ReturnType<typeof startReplayUpstream>>;
let tool: Awaited<ReturnType<typeof startReplayUpstream>>;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["qwen-coder"], wire: ["chat", "responses"], apiKey: "sk-up" });
  text = await startReplayUpstream(codexFixture("sse-text-answer.txt"));
  tool = await startReplayUpstream(codexFixture("sse-tool-call.txt"));
  gw = await startTestGateway(
    upstreamToml("gpu", mock.url, `api_key_env = "UP_KEY"\nwire = ["chat", "responses"]`) +
      upstreamToml("rec-text", text.url, `models = ["test-model"]\nwire = ["responses"]`) +
      upstreamToml("rec-tool", tool.url, `models = ["tool-model"]\nwire = ["responses"]`) +
      `[models."test-model"]\ntargets = ["gpu/qwen-coder"]\n`,
    { env: { UP_KEY: "sk-up" } },
  );
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
  await text.stop();
  await tool.stop();
});

for (const name of ["turn1-request.json", "turn2-tool-result-request.json"]) {
  test(`${name}: reaches a Responses upstream with only the model changed, and streams back`, async () => {
    const rq = await recorded(name);
    const raw = JSON.stringify(rq.body);
    const before = mock.requests.length;
    const res = await fetch(gw.url + rq.path, { method: "POST", body: raw, headers: { ...rq.headers, "content-type": "application/json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-wayfront-upstream")).toBe("gpu");
    const events = await readSse(res);
    expect(JSON.parse(events[0].data).type).toBe("response.created");
    expect(JSON.parse(events.at(-1)!.data).type).toBe("response.completed");
    const rec = mock.requests.slice(before).find((r) => r.path === "/v1/responses")!;
    const sent = JSON.parse(raw);
    expect(rec.body).toEqual({ ...sent, model: "qwen-coder" });
    expect(rec.headers.authorization).toBe("Bearer sk-up");
    for (const h of ["originator", "session-id", "x-client-request-id", "user-agent"]) {
      if (rq.headers[h] !== undefined) expect(rec.headers[h]).toBe(rq.headers[h]);
    }
  });
}

test("the streams Codex accepted are relayed byte for byte", async () => {
  for (const [model, file] of [
    ["rec-text/test-model", "sse-text-answer.txt"],
    ["rec-tool/tool-model", "sse-tool-call.txt"],
  ]) {
    const body = (await recorded("turn1-request.json")).body;
    body.model = model;
    const res = await fetch(`${gw.v1}/responses`, { method: "POST", body: JSON.stringify(body), headers: CODEX_HEADERS });
    expect(res.status).toBe(200);
    const got = await res.text();
    const want = await fixture(file).text();
    // The relay forwards whole events; the recordings end "}\n" without the final blank
    // line, which the relay completes so every client sees the last event.
    expect(got).toBe(want.endsWith("\n\n") ? want : want + "\n");
    expect((await readSse(new Response(got))).map((e) => JSON.parse(e.data).type).at(-1)).toBe("response.completed");
  }
});
