import { afterEach, describe, expect, test } from "bun:test";
import { openDb, type Database } from "../../../src/db/open.ts";
import { ResponseStore, inputItems, outputAsInput } from "../../../src/db/responses.ts";
import type { ResponseObject } from "../../../src/protocol/responses.ts";

let db: Database;
afterEach(() => db?.close());

function response(id: string, text: string): ResponseObject {
  return {
    id,
    object: "response",
    created_at: 1,
    status: "completed",
    model: "m",
    output: [
      { id: "rs_1", type: "reasoning", status: "completed", summary: [], content: [{ type: "reasoning_text", text: "hmm" }] },
      { id: "msg_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] },
      { id: "fc_1", type: "function_call", status: "completed", call_id: "call_1", name: "f", namespace: "ns", arguments: "{}" },
    ],
    usage: null,
    error: null,
    incomplete_details: null,
  };
}

describe("ResponseStore", () => {
  test("put/get round trip; history = input then output as input items (no ids, no reasoning)", () => {
    db = openDb(":memory:");
    const store = new ResponseStore(db, 1000, { now: () => 0 });
    store.put("default", inputItems("hi"), response("resp_a", "hello"));
    expect(store.get("default", "resp_a")!.response.id).toBe("resp_a");
    expect(store.history("default", "resp_a")).toEqual([
      { type: "message", role: "user", content: "hi" },
      { type: "message", role: "assistant", content: [{ type: "output_text", text: "hello" }] },
      { type: "function_call", call_id: "call_1", name: "f", arguments: "{}", namespace: "ns" },
    ]);
  });

  test("namespaces never see each other's rows", () => {
    db = openDb(":memory:");
    const store = new ResponseStore(db, 1000, { now: () => 0 });
    store.put("a", [], response("resp_x", "x"));
    expect(store.get("b", "resp_x")).toBeNull();
    expect(store.history("b", "resp_x")).toBeNull();
  });

  test("expired rows are invisible and deleted by the next put", () => {
    db = openDb(":memory:");
    let now = 0;
    const store = new ResponseStore(db, 1000, { now: () => now });
    store.put("default", [], response("resp_old", "x"));
    now = 999;
    expect(store.get("default", "resp_old")).not.toBeNull();
    now = 1000;
    expect(store.get("default", "resp_old")).toBeNull();
    store.put("default", [], response("resp_new", "y"));
    expect((db.query("SELECT COUNT(*) AS n FROM stored_responses").get() as { n: number }).n).toBe(1);
  });

  test("outputAsInput drops reasoning", () => {
    expect(outputAsInput(response("r", "t").output[0])).toEqual([]);
  });
});
