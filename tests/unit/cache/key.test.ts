import { describe, expect, test } from "bun:test";
import { EXCLUDED_FIELDS, INCLUDED_FIELDS, cacheKey } from "../../../src/cache/key.ts";
import type { Api } from "../../../src/protocol/apis.ts";
import { ChatRequest } from "../../../src/protocol/chat.ts";
import { ResponsesRequest } from "../../../src/protocol/responses.ts";
import { codexRequest } from "../../helpers/fixtures.ts";

// Codex 0.169 request bodies (tests/fixtures/codex, long texts shortened).
const codexTurn1 = await codexRequest("turn1-request.json");
const codexTurn2 = await codexRequest("turn2-tool-result-request.json");

// Seeded PRNG so a failure is reproducible (mulberry32).
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Writes raw JSON text with keys shuffled at every level and numbers re-spelled
// (1 → "1", "1.0", "1e0", "10e-1"), as different clients would.
function respell(value: unknown, rand: () => number): string {
  if (Array.isArray(value)) return `[${value.map((v) => respell(v, rand)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [keys[i], keys[j]] = [keys[j], keys[i]];
    }
    const ws = rand() < 0.5 ? " " : "";
    return `{${keys.map((k) => `${JSON.stringify(k)}:${ws}${respell((value as any)[k], rand)}`).join(",")}}`;
  }
  if (typeof value === "number") {
    const forms = [String(value), value.toExponential(), Number.isInteger(value) ? `${value}.0` : `${value}0`];
    if (Number.isInteger(value)) forms.push(`${value * 10}e-1`);
    return forms[Math.floor(rand() * forms.length)];
  }
  return JSON.stringify(value);
}

const chatBody = {
  model: "gpt-x",
  messages: [
    { role: "system", content: "Be terse." },
    { role: "user", content: [{ type: "text", text: "Sum 1 and 2" }] },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "add", arguments: '{"a":1,"b":2}' } }] },
    { role: "tool", tool_call_id: "c1", content: "3" },
  ],
  tools: [
    { type: "function", function: { name: "add", parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } } } },
  ],
  temperature: 0,
  top_p: 1,
  max_tokens: 100,
  seed: 7,
  stop: ["\n\n"],
  logit_bias: { "50256": -100 },
};

const base = { api: "chat" as Api, route: "local/qwen", namespace: "t1" };
// Both halves at once, so every equal/different case below holds for the fast key that finds
// entries and for the digest that decides they are the request's.
const both = (k: ReturnType<typeof cacheKey>) => `${k.key} ${k.digest()}`;
const key = (body: Record<string, unknown>, over: Partial<typeof base> = {}) => both(cacheKey({ ...base, ...over, body }));

describe("cacheKey canonical form", () => {
  test("is a fast hex key (64-bit hash and length) and a hex sha-256 digest", () => {
    expect(key(chatBody)).toMatch(/^[0-9a-f]{16}[0-9a-z]{6} [0-9a-f]{64}$/);
  });

  test("the digest is taken once, and is the same whenever it is asked", () => {
    const k = cacheKey({ ...base, body: chatBody });
    expect(k.digest()).toBe(k.digest());
    expect(k.digest()).toBe(cacheKey({ ...base, body: structuredClone(chatBody) }).digest());
  });

  test("key order at every level and number spelling do not matter (200 random re-spellings)", () => {
    const rand = rng(42);
    const expected = key(chatBody);
    for (let i = 0; i < 200; i++) {
      const text = respell(chatBody, rand);
      expect(key(JSON.parse(text))).toBe(expected);
    }
    // A literal check that the generator does produce the spellings we claim.
    expect(key(JSON.parse(JSON.stringify(chatBody).replace('"top_p":1', '"top_p":1e0')))).toBe(expected);
    expect(key(JSON.parse(JSON.stringify(chatBody).replace('"top_p":1', '"top_p":1.0')))).toBe(expected);
  });

  test("transport and identity fields do not matter", () => {
    const expected = key(chatBody);
    const noisy = [
      { stream: true },
      { stream: false },
      { stream: true, stream_options: { include_usage: true } },
      { user: "alice" },
      { metadata: { run: "42" } },
      { store: true },
      { service_tier: "flex" },
      { prompt_cache_key: "sess-1" },
      { model: "another-alias-same-route" },
    ];
    for (const extra of noisy) expect(key({ ...chatBody, ...extra })).toBe(expected);
  });

  test("every semantic change gives a different key", () => {
    const expected = key(chatBody);
    const msgs = structuredClone(chatBody.messages);
    (msgs[1].content as any)[0].text = "Sum 1 and 3";
    const changed: Record<string, unknown>[] = [
      { ...chatBody, messages: msgs },
      { ...chatBody, temperature: 0.7 },
      { ...chatBody, tools: [] },
      { ...chatBody, seed: 8 },
      { ...chatBody, max_tokens: 101 },
      { ...chatBody, stop: ["\n"] },
      { ...chatBody, parallel_tool_calls: false },
      { ...chatBody, top_k: 5 }, // unknown field: included by default
      { ...chatBody, messages: [...chatBody.messages].reverse() },
    ];
    const keys = new Set(changed.map((b) => key(b)));
    expect(keys.size).toBe(changed.length);
    expect(keys.has(expected)).toBe(false);
    expect(key(chatBody, { route: "cloud/gpt" })).not.toBe(expected);
    expect(key(chatBody, { namespace: "t2" })).not.toBe(expected);
    expect(key(chatBody, { api: "completions" })).not.toBe(expected);
  });

  test("component joins cannot collide", () => {
    expect(key({}, { route: "a", namespace: "bc" })).not.toBe(key({}, { route: "ab", namespace: "c" }));
  });
});

describe("cacheKey with long strings (hashed on their own, not serialised into the key's text)", () => {
  const long = "a pasted file, line after line; ".repeat(200); // well over LONG_STRING
  const withText = (...texts: string[]) => ({ ...chatBody, messages: texts.map((content) => ({ role: "user", content })) });
  const k = (body: Record<string, unknown>) => cacheKey({ ...base, body });

  test("one character changed anywhere in a long string changes the fast key and the digest", () => {
    const a = k(withText(long));
    for (const at of [0, 1, 700, long.length - 1]) {
      const b = k(withText(`${long.slice(0, at)}#${long.slice(at + 1)}`));
      expect(b.key).not.toBe(a.key);
      expect(b.digest()).not.toBe(a.digest());
    }
    expect(k(withText(long)).key).toBe(a.key);
    expect(k(withText(long)).digest()).toBe(a.digest());
  });

  test("two long strings swapped, or one moved to another field, give another digest", () => {
    const other = "another file altogether. ".repeat(100);
    expect(k(withText(long, other)).digest()).not.toBe(k(withText(other, long)).digest());
    expect(k({ ...withText(long), user_note: other }).digest()).not.toBe(k({ ...withText(other), user_note: long }).digest());
  });

  test("a client's short string spelling out a long string's token never shares its digest", () => {
    const real = k(withText(long));
    // Every token the key could put in a long string's place, as a client could send it.
    const token = `\u0000${Bun.hash.xxHash3(long).toString(16).padStart(16, "0")}${long.length.toString(36)}`;
    const forged = k(withText(token));
    expect(forged.digest()).not.toBe(real.digest());
    expect(forged.key).not.toBe(real.key);
  });

  test("a lone surrogate and U+FFFD in a long string are different requests (UTF-8 would merge them)", () => {
    expect(k(withText(`${long}\ud800`)).digest()).not.toBe(k(withText(`${long}\ufffd`)).digest());
  });

  test("long strings whose texts run together alike still give different digests (each says where it ends)", () => {
    const x = "x".repeat(1500);
    // The same characters in one order, cut in two places: only the lengths tell them apart.
    expect(k(withText(`${x}yy`, `z${x}`)).digest()).not.toBe(k(withText(`${x}y`, `yz${x}`)).digest());
    // Two different lone surrogates (each would be U+FFFD in UTF-8), and one against its well-formed neighbour.
    expect(k(withText(`${long}\ud800`)).digest()).not.toBe(k(withText(`${long}\udbff`)).digest());
    expect(k(withText(`${long}\ud800`)).digest()).not.toBe(k(withText(`${long}\ud800\udc00`)).digest());
  });

  test("strings just under, at and over the long-string length are keyed alike when equal and apart when not", () => {
    for (const n of [1023, 1024, 1025, 5000]) {
      const body = withText("x".repeat(n));
      expect(k(body).digest()).toBe(k(structuredClone(body)).digest());
      expect(k(body).digest()).not.toBe(k(withText("x".repeat(n + 1))).digest());
    }
  });
});

describe("cacheKey on real Codex requests", () => {
  const r = (body: Record<string, unknown>) => both(cacheKey({ api: "responses", route: "local/m", namespace: "n", body }));

  test("a second session with new item ids, prompt_cache_key and client_metadata hits", () => {
    const a = codexTurn2.body as Record<string, any>;
    const b = structuredClone(a);
    b.prompt_cache_key = "other-session";
    b.client_metadata = { session_id: "other", turn_id: "t2" };
    b.input = b.input.map((item: any, i: number) => ({ ...item, id: `msg_other_${i}` }));
    expect(r(b)).toBe(r(a));
  });

  test("call_id is semantic, item ids are not", () => {
    const a = codexTurn2.body as Record<string, any>;
    const b = structuredClone(a);
    b.input.at(-1).call_id = "call_other";
    expect(r(b)).not.toBe(r(a));
  });

  test("turn 1 and turn 2 differ; include is part of the key", () => {
    const t1 = codexTurn1.body as Record<string, any>;
    expect(r(t1)).not.toBe(r(codexTurn2.body as Record<string, any>));
    expect(r({ ...t1, include: [] })).not.toBe(r(t1));
  });
});

describe("INCLUDED_FIELDS / EXCLUDED_FIELDS", () => {
  const apis: Api[] = ["chat", "responses", "completions", "embeddings"];

  test("the two lists are disjoint and free of duplicates", () => {
    for (const api of apis) {
      const inc = new Set(INCLUDED_FIELDS[api]);
      const exc = new Set(EXCLUDED_FIELDS[api]);
      expect(inc.size).toBe(INCLUDED_FIELDS[api].length);
      expect(exc.size).toBe(EXCLUDED_FIELDS[api].length);
      for (const f of inc) expect(exc.has(f)).toBe(false);
    }
  });

  test("every field of the protocol request schemas and of Codex's requests is classified", () => {
    const known = (api: Api) => new Set([...INCLUDED_FIELDS[api], ...EXCLUDED_FIELDS[api]]);
    const unclassified = (api: Api, fields: string[]) => fields.filter((f) => !known(api).has(f));
    expect(unclassified("chat", Object.keys(ChatRequest.properties))).toEqual([]);
    expect(unclassified("responses", Object.keys(ResponsesRequest.properties))).toEqual([]);
    expect(unclassified("responses", Object.keys(codexTurn1.body))).toEqual([]);
    expect(unclassified("responses", Object.keys(codexTurn2.body))).toEqual([]);
  });
});
