import { describe, expect, test } from "bun:test";
import { nearKey, nearText, significantTokens } from "../../../src/cache/near.ts";
import { hamming, simhash } from "../../../src/cache/simhash.ts";

const chat = (text: string, extra: Record<string, unknown> = {}) => ({
  messages: [
    { role: "system", content: "You are a helpful coding assistant." },
    { role: "user", content: text },
  ],
  temperature: 0,
  ...extra,
});
const near = (body: Record<string, unknown>, route = "local/m") => ({
  key: nearKey({ api: "chat", route, namespace: "n", body }),
  hash: simhash(nearText("chat", body)),
});
// What the store does: near key equal AND simhash within the threshold.
const THRESHOLD = 3;
const matches = (a: string, b: string) => {
  const x = near(chat(a));
  const y = near(chat(b));
  return x.key === y.key && hamming(x.hash, y.hash) <= THRESHOLD;
};

describe("hamming", () => {
  test("counts differing bits of 64-bit values", () => {
    expect(hamming(0n, 0n)).toBe(0);
    expect(hamming(0n, (1n << 64n) - 1n)).toBe(64);
    expect(hamming(0b1011n, 0b0110n)).toBe(3);
  });
});

describe("near-duplicate matching", () => {
  test("case, whitespace and trailing punctuation normalise to the same text", () => {
    expect(nearText("chat", chat("Summarise  this file."))).toBe(nearText("chat", chat("summarise this file")));
    expect(hamming(simhash("summarise this file"), simhash("summarise this file"))).toBe(0);
  });

  const hits: [string, string][] = [
    ["Summarise  this file.", "summarise this file"],
    ["Explain what this function does!", "explain what this function does"],
    ["Please   review\nthe changes,\tthanks", "please review the changes thanks"],
  ];
  for (const [a, b] of hits) test(`hit: ${JSON.stringify(a)} ~ ${JSON.stringify(b)}`, () => expect(matches(a, b)).toBe(true));

  const misses: [string, string][] = [
    ["Set the timeout to 30 seconds in the config", "Set the timeout to 60 seconds in the config"],
    ["Rename getUserName everywhere in the project please", "Rename getUserId everywhere in the project please"],
    ["Summarise the file src/server/app.ts for me", "Summarise the file src/server/routes.ts for me"],
    ["Fix this line:\n    total = a + b\nit is wrong", "Fix this line:\n    total = a - b\nit is wrong"],
    ["Why does `fetchAll()` hang", "Why does `fetchOne()` hang"],
  ];
  for (const [a, b] of misses) test(`miss: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`, () => expect(matches(a, b)).toBe(false));

  test("misses come from the significant tokens even where SimHash alone is close", () => {
    const long = (n: string) => `${"please look carefully at the whole project layout and then ".repeat(20)}port ${n}`;
    const a = near(chat(long("8080")));
    const b = near(chat(long("8081")));
    expect(hamming(a.hash, b.hash)).toBeLessThanOrEqual(THRESHOLD);
    expect(a.key).not.toBe(b.key);
  });

  test("everything outside the prose must match exactly", () => {
    const a = near(chat("summarise this file"));
    expect(near(chat("summarise this file", { temperature: 0.5 })).key).not.toBe(a.key);
    expect(near(chat("summarise this file"), "cloud/m").key).not.toBe(a.key);
    expect(near(chat("summarise this file", { stream: true, user: "u" })).key).toBe(a.key);
  });

  test("a different reworded prompt is far", () => {
    const a = simhash(nearText("chat", chat("summarise this file in three bullet points")));
    const b = simhash(nearText("chat", chat("translate the readme into german and keep headings")));
    expect(hamming(a, b)).toBeGreaterThan(THRESHOLD);
  });

  test("significant tokens: numbers, identifiers, file names, operators, code lines", () => {
    const t = significantTokens("chat", chat("open foo_bar.ts at line 12, call doThing + x\n```\nlet y = 2\n```"));
    for (const tok of ["foo_bar.ts", "12", "doThing", "+", "let", "y", "=", "2"]) expect(t).toContain(tok);
    expect(t).not.toContain("open");
  });

  test("responses input and tool outputs: prose is fuzzy, tool output exact", () => {
    const body = (text: string, out: string) => ({
      input: [
        { type: "message", id: "msg_1", role: "user", content: [{ type: "input_text", text }] },
        { type: "function_call_output", call_id: "c", output: out },
      ],
    });
    const k = (b: Record<string, unknown>) => nearKey({ api: "responses", route: "r", namespace: "n", body: b });
    expect(k(body("List the files.", "ok"))).toBe(k(body("list the files", "ok")));
    expect(k(body("list the files", "ok"))).not.toBe(k(body("list the files", "OK")));
    expect(nearText("responses", body("List  the files.", "ok"))).toBe("list the files");
  });

  test("embeddings have no near key", () => {
    expect(nearKey({ api: "embeddings", route: "r", namespace: "n", body: { input: "x" } })).toBeNull();
  });
});
