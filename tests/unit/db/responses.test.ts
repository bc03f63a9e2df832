import { afterEach, describe, expect, test } from "bun:test";
import { Database as SqliteDatabase } from "bun:sqlite";
import { MIGRATIONS, migrate } from "../../../src/db/migrations.ts";
import { openDb, type Database } from "../../../src/db/open.ts";
import { ResponseStore, STORED_SIZE_SQL, inputItems, outputAsInput } from "../../../src/db/responses.ts";
import type { ResponseObject } from "../../../src/protocol/responses.ts";
import { tempDirs } from "../../helpers/temp-dirs.ts";

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

describe("ResponseStore: responses.max_bytes", () => {
  const temp = tempDirs("wf-responses-");
  afterEach(temp.clean);
  const fileDb = () => temp.file("wayfront.db");
  const stored = (d: Database) =>
    d.query("SELECT coalesce(sum(bytes), 0) AS n, count(*) AS rows FROM stored_responses").get() as { n: number; rows: number };

  test("a long conversation stored turn by turn stays under the cap: the oldest turns go, the newest can be continued", () => {
    db = openDb(fileDb());
    let now = 0;
    const cap = 40_000;
    const store = new ResponseStore(db, 3_600_000, { now: () => now, maxBytes: cap });
    // Each row holds the whole conversation so far (about 600 more characters a turn): 80
    // turns are some 2 MB stored whole, 50 times the cap.
    let conversation: unknown[] = [];
    for (let i = 0; i < 80; i++) {
      now += 1000;
      conversation = [...conversation, { type: "message", role: "user", content: `turn ${i} `.padEnd(300, "x") }];
      expect(store.put("default", conversation, response(`resp_${i}`, `answer ${i} `.padEnd(300, "y")))).toBe(true);
      expect(stored(db).n).toBeLessThanOrEqual(cap);
    }
    expect(store.get("default", "resp_0")).toBeNull();
    expect(store.get("default", "resp_79")).not.toBeNull();
    // The newest row's history is the whole conversation: continuing it needs nothing older.
    expect(store.history("default", "resp_79")!.length).toBe(80 + 2);
    // What is counted is what is stored.
    const exact = db.query("SELECT sum(length(input) + length(response)) AS n FROM stored_responses").get() as { n: number };
    expect(stored(db).n).toBe(exact.n);
  });

  test("on a nearly full disk each new turn takes the oldest turns' place; the newest stays continuable", () => {
    db = openDb(":memory:");
    let room = Number.POSITIVE_INFINITY;
    const disk = { room: () => room, spent: (b: number) => (room -= b) };
    let t = 0;
    const store = new ResponseStore(db, 1_000_000, { now: () => ++t, disk });
    const text = "w".repeat(2000);
    for (let i = 0; i < 10; i++) store.put("default", inputItems(`turn ${i}`), response(`resp_${i}`, text));
    const total = () => (db.query(STORED_SIZE_SQL.total).get() as { n: number }).n;
    const before = total();
    room = 0;
    for (let i = 10; i < 20; i++) store.put("default", inputItems(`turn ${i}`), response(`resp_${i}`, text));
    expect(total()).toBeLessThanOrEqual(before);
    expect(store.get("default", "resp_19")).not.toBeNull();
    expect(store.get("default", "resp_0")).toBeNull();
    // A disk filled by something else: the rows are not all dropped for it.
    room = -1e9;
    store.put("default", inputItems("turn 20"), response("resp_20", text));
    expect((db.query("SELECT count(*) AS n FROM stored_responses").get() as { n: number }).n).toBeGreaterThanOrEqual(7);
  });

  test("a turn larger than the cap is not stored, and nothing else is dropped for it", () => {
    db = openDb(fileDb());
    const store = new ResponseStore(db, 3_600_000, { now: () => 0, maxBytes: 5_000 });
    expect(store.put("default", [], response("resp_small", "ok"))).toBe(true);
    expect(store.put("default", [{ type: "message", role: "user", content: "z".repeat(6_000) }], response("resp_big", "no"))).toBe(false);
    expect(store.get("default", "resp_big")).toBeNull();
    expect(store.get("default", "resp_small")).not.toBeNull();
  });

  test("a table far over the cap (from before it, or a lowered cap) comes down a page of rows per put, not all in one", () => {
    db = openDb(fileDb());
    let now = 0;
    const row = [{ type: "message", role: "user", content: "r".repeat(900) }];
    const uncapped = new ResponseStore(db, 3_600_000, { now: () => now });
    for (let i = 0; i < 1000; i++) {
      now++;
      uncapped.put("default", row, response(`resp_old_${i}`, "a"));
    }
    const before = stored(db);
    const cap = 50_000; // about 45 of those rows
    const store = new ResponseStore(db, 3_600_000, { now: () => now, maxBytes: cap });
    now++;
    store.put("default", row, response("resp_new_0", "a"));
    // One put drops at most one page (256 rows) of the oldest.
    expect(stored(db).rows).toBe(before.rows + 1 - 256);
    for (let i = 1; stored(db).n > cap && i < 10; i++) {
      now++;
      store.put("default", row, response(`resp_new_${i}`, "a"));
    }
    expect(stored(db).n).toBeLessThanOrEqual(cap);
    expect(store.get("default", "resp_old_0")).toBeNull();
    expect(store.get("default", "resp_new_0")).not.toBeNull();
  });

  test("rows another process wrote to the same file count too", () => {
    const path = fileDb();
    db = openDb(path);
    const other = openDb(path);
    try {
      let now = 0;
      const a = new ResponseStore(db, 3_600_000, { now: () => now, maxBytes: 20_000 });
      const b = new ResponseStore(other, 3_600_000, { now: () => now, maxBytes: 20_000 });
      for (let i = 0; i < 30; i++) {
        now++;
        (i % 2 ? a : b).put("default", [{ type: "message", role: "user", content: "q".repeat(1_500) }], response(`resp_${i}`, "a"));
      }
      expect(stored(db).n).toBeLessThanOrEqual(20_000);
      expect(a.get("default", "resp_29")).not.toBeNull();
    } finally {
      other.close();
    }
  });

  test("the size check and the oldest-first page read only the (created_at, bytes) index", () => {
    db = openDb(":memory:");
    for (const sql of [STORED_SIZE_SQL.total, STORED_SIZE_SQL.oldest]) {
      const args = sql.includes("?") ? ["default", "resp_x"] : [];
      const plan = db.query(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[];
      expect(plan.map((p) => p.detail)).toEqual(["SCAN stored_responses USING COVERING INDEX stored_responses_age"]);
    }
  });

  test("rows stored before the sizes existed get theirs when the data dir is upgraded", () => {
    db = new SqliteDatabase(":memory:", { strict: true });
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < 7),
    );
    db.query(
      "INSERT INTO stored_responses (namespace, id, created_at, expires_at, input, response) VALUES ('default', 'resp_old', 0, 9e12, '[1,2]', '{\"id\":\"resp_old\"}')",
    ).run();
    migrate(db);
    expect(db.query("SELECT bytes FROM stored_responses").get()).toEqual({ bytes: 5 + 17 });
  });
});
