// The translator never throws, whatever it is handed: the route stage checks the strict
// schema first, but a shape that slipped past it is dropped (with a warning), not a 500.
import { expect, test } from "bun:test";
import { mulberry32 } from "../../helpers/rng.ts";
import { readFileSync } from "node:fs";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ChatRequest } from "../../../src/protocol/chat.ts";
import type { ResponsesRequest } from "../../../src/protocol/responses.ts";
import { responsesToChat } from "../../../src/protocol/translate/request.ts";
import { CODEX_FIXTURES } from "../../helpers/fixtures.ts";

const chatCheck = TypeCompiler.Compile(ChatRequest);
const translate = (body: unknown) => responsesToChat(body as ResponsesRequest);

test("shapes the schema refuses are dropped with a warning, not thrown on", () => {
  const t = translate({
    model: "m",
    instructions: 5,
    input: [
      null,
      7,
      { type: "message", role: "user" },
      { type: "message", role: "user", content: 5 },
      { role: "user", content: [null, "x", { type: "input_text", text: 5 }, { type: "input_image", image_url: 3 }] },
      { role: "robot", content: "x" },
      { type: "function_call", call_id: "c", arguments: "{}" },
      { type: "custom_tool_call", name: 1 },
      { type: "function_call_output", output: { not: "text" } },
    ],
    tools: [
      null,
      "x",
      { type: "function" },
      { type: "custom", name: 5 },
      { type: "namespace", name: "n", tools: 5 },
      { type: "namespace", tools: [] },
    ],
    tool_choice: 42,
    text: { format: "json" },
  });
  expect(Array.isArray(t.chat.messages)).toBe(true);
  expect(t.warnings.length).toBeGreaterThan(5);
  expect(t.chat.tools).toBeUndefined(); // no tool survived
});

test("non-array input and tools are ignored", () => {
  for (const input of [5, {}, null, true]) {
    const t = translate({ model: "m", input, tools: { a: 1 } });
    expect(t.chat.messages).toEqual([]);
  }
});

const WEIRD: unknown[] = [null, 0, -1, 1.5, "", "x", true, false, [], {}, [null], { type: 5 }, { type: "function" }, "function_call"];

/** A copy of `v` with one node, picked at random, replaced by a weird value or deleted. */
function mutate(v: unknown, r: () => number): unknown {
  const copy = structuredClone(v);
  const nodes: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (x: unknown) => {
    if (x === null || typeof x !== "object") return;
    for (const [k, c] of Object.entries(x)) {
      nodes.push([x as Record<string, unknown>, Array.isArray(x) ? Number(k) : k]);
      walk(c);
    }
  };
  walk(copy);
  const [parent, key] = nodes[Math.floor(r() * nodes.length)];
  if (r() < 0.2 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = WEIRD[Math.floor(r() * WEIRD.length)];
  return copy;
}

test("Codex's real requests, mutated at random (seeded), always translate to a chat request", () => {
  const bodies = ["turn1-request.json", "turn2-tool-result-request.json"].map((f) => JSON.parse(readFileSync(CODEX_FIXTURES + f, "utf8")).body);
  const r = mulberry32(0x5eed);
  for (let i = 0; i < 600; i++) {
    let body: unknown = bodies[i % bodies.length];
    const times = 1 + Math.floor(r() * 4);
    for (let k = 0; k < times; k++) body = mutate(body, r);
    let chat: unknown;
    try {
      chat = translate(body).chat;
    } catch (e) {
      throw new Error(`case ${i} (seed 0x5eed) threw ${(e as Error).message} on ${JSON.stringify(body).slice(0, 2000)}`);
    }
    expect(typeof chat).toBe("object");
  }
});

test("a well-formed request still gives a valid chat request", () => {
  const t = translate({
    model: "m",
    input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }],
    tools: [{ type: "function", name: "f" }],
  });
  expect(chatCheck.Check(t.chat)).toBe(true);
  expect(t.warnings).toEqual([]);
});
