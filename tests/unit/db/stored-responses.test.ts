// Stored responses with a shared Redis when the local file will not take a turn (a full disk,
// a card remounted read-only): the shared copy is still written, and a turn found only there
// is still served. Real redis-server; the local SQLite made read-only for real (query_only).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { redisConnection } from "../../../src/db/redis-connection.ts";
import { openDb } from "../../../src/db/open.ts";
import { ResponseStore, inputItems } from "../../../src/db/responses.ts";
import { StoredResponses } from "../../../src/db/stored-responses.ts";
import type { ResponseObject } from "../../../src/protocol/responses.ts";
import { startRedis, type TestRedis } from "../../helpers/redis.ts";

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.proc.kill());

const response = (id: string, text: string): ResponseObject => ({
  id,
  object: "response",
  created_at: 1,
  status: "completed",
  model: "m",
  output: [{ id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }],
  usage: null,
  error: null,
  incomplete_details: null,
});

test("a turn the local file refuses still reaches Redis, and a turn found only there is served though the local copy fails", async () => {
  const conn = () => redisConnection(redis.url, 1000);
  const readOnlyDb = () => {
    const db = openDb(":memory:");
    db.exec("PRAGMA query_only = ON");
    return db;
  };
  const full = new StoredResponses(new ResponseStore(readOnlyDb(), 60_000), conn(), 60_000);
  const alsoFull = new StoredResponses(new ResponseStore(readOnlyDb(), 60_000), conn(), 60_000);
  try {
    // The caller hears the local failure (stages/conversation.ts says it once)...
    expect(() => full.put("default", inputItems("hi"), response("resp_full", "hello"))).toThrow(/readonly/i);
    // ...and the shared copy was written all the same: another instance whose own file also
    // refuses the local copy continues the conversation from it.
    let history: unknown[] | null = null;
    for (let i = 0; i < 50 && !history; i++) {
      history = await alsoFull.history("default", "resp_full");
      if (!history) await Bun.sleep(10);
    }
    expect(history).toEqual([
      { type: "message", role: "user", content: "hi" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello" }] },
    ]);
  } finally {
    full.close();
    alsoFull.close();
  }
});
