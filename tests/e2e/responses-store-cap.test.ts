// Stored responses are bounded by `[responses] max_bytes`: each row holds the whole
// conversation up to its turn, so a long `previous_response_id` chain (or a client that leaves
// `store` at true and resends its history) stores its conversation over and over. With the cap,
// the oldest turns go; the conversation's newest turn can still be continued, an evicted one
// is the usual 404, and the SQLite file's rows stay under the cap.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

const CAP = 64 * 1024;
let up: MockUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  up = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  gw = await startTestGateway(`${upstreamToml("up", up.url, 'wire = ["chat"]')}[responses]\nmax_bytes = "64KiB"\n`);
  client = new OpenAI({ baseURL: gw.v1, apiKey: "local", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await up.stop();
});

test("a 60-turn previous_response_id chain keeps the stored rows under max_bytes and its newest turn continuable", async () => {
  const ids: string[] = [];
  let previous: string | undefined;
  for (let i = 0; i < 60; i++) {
    const r = await client.responses.create({ model: "m", input: `turn ${i}: ${"words ".repeat(60)}`, previous_response_id: previous });
    ids.push(r.id);
    previous = r.id;
  }
  // The last turn carried the whole chain: the upstream got all 60 questions.
  const last = up.requests.filter((r) => r.path.endsWith("/chat/completions")).at(-1)!;
  expect(last.body.messages.filter((m: any) => m.role === "user").length).toBe(60);

  const db = new Database(join(gw.dataDir, "wayfront.sqlite"), { readonly: true });
  try {
    const { n, rows } = db.query("SELECT coalesce(sum(bytes), 0) AS n, count(*) AS rows FROM stored_responses").get() as { n: number; rows: number };
    expect(n).toBeLessThanOrEqual(CAP);
    expect(rows).toBeLessThan(60);
    expect(rows).toBeGreaterThan(0);
  } finally {
    db.close();
  }

  // The newest turn continues (its row holds the whole conversation); the first was evicted.
  const next = await client.responses.create({ model: "m", input: "and now?", previous_response_id: ids.at(-1) });
  expect(next.status).toBe("completed");
  const res = await fetch(`${gw.v1}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", input: "x", previous_response_id: ids[0] }),
  });
  expect(res.status).toBe(404);
  expect((await res.json()).error.param).toBe("previous_response_id");
});
