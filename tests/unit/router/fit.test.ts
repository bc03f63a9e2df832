import { describe, expect, test } from "bun:test";
import { estimateTokens, fits, needsOf } from "../../../src/router/fit.ts";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";

const text = (n: number) => "x".repeat(n);

describe("estimateTokens", () => {
  test("chat: chars/4 over message text, parts, tool-call arguments and tool schemas", () => {
    const body = {
      model: "m",
      messages: [
        { role: "system", content: text(40) },
        { role: "user", content: [{ type: "text", text: text(40) }] },
        { role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "f", arguments: text(20) } }] },
      ],
    };
    expect(estimateTokens(body, PROTOCOLS.chat.prompt!)).toBe(25);
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    expect(estimateTokens({ ...body, tools }, PROTOCOLS.chat.prompt!)).toBe(Math.ceil((100 + JSON.stringify(tools).length) / 4));
  });

  test("an image costs a flat amount, not its base64 length", () => {
    const huge = `data:image/png;base64,${text(400_000)}`;
    const body = { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: huge } }] }] };
    const n = estimateTokens(body, PROTOCOLS.chat.prompt!);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(2000);
  });

  test("responses: instructions + string input, or items with parts and tool outputs", () => {
    expect(estimateTokens({ instructions: text(8), input: text(32) }, PROTOCOLS.responses.prompt!)).toBe(10);
    const items = {
      input: [
        { role: "user", content: [{ type: "input_text", text: text(16) }] },
        { type: "function_call", name: "f", arguments: text(8) },
        { type: "function_call_output", call_id: "c", output: text(16) },
      ],
    };
    expect(estimateTokens(items, PROTOCOLS.responses.prompt!)).toBe(10);
  });

  test("completions prompt; junk bodies are 0", () => {
    expect(estimateTokens({ prompt: text(40) }, PROTOCOLS.completions.prompt!)).toBe(10);
    expect(estimateTokens({ prompt: [text(4), text(4)] }, PROTOCOLS.completions.prompt!)).toBe(2);
    expect(estimateTokens(null, PROTOCOLS.chat.prompt!)).toBe(0);
    expect(estimateTokens({ messages: "nope" }, PROTOCOLS.chat.prompt!)).toBe(0);
  });
});

describe("needsOf", () => {
  test("detects chat images, tools and reasoning effort", () => {
    const n = needsOf(
      {
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x/y.png" } }] }],
        tools: [{ type: "function", function: { name: "f" } }],
        reasoning_effort: "high",
      },
      PROTOCOLS.chat.prompt!,
    );
    expect(n).toMatchObject({ vision: true, tools: true, reasoning: true });
  });

  test("detects responses input_image and reasoning.effort", () => {
    const n = needsOf(
      { input: [{ role: "user", content: [{ type: "input_image", image_url: "data:..." }] }], reasoning: { effort: "low" } },
      PROTOCOLS.responses.prompt!,
    );
    expect(n).toMatchObject({ vision: true, tools: false, reasoning: true });
  });

  test("plain text request needs nothing special; effort none is no reasoning", () => {
    expect(needsOf({ messages: [{ role: "user", content: "hi" }], tools: [], reasoning_effort: "none" }, PROTOCOLS.chat.prompt!)).toEqual({
      tokens: 1,
      vision: false,
      tools: false,
      reasoning: false,
    });
  });

  test("the requested output budget counts towards tokens", () => {
    expect(needsOf({ input: text(40), max_output_tokens: 1000 }, PROTOCOLS.responses.prompt!).tokens).toBe(1010);
    expect(needsOf({ messages: [{ role: "user", content: text(40) }], max_tokens: 50 }, PROTOCOLS.chat.prompt!).tokens).toBe(60);
  });
});

describe("fits", () => {
  const none = { tokens: 100, vision: false, tools: false, reasoning: false };

  test("an image request never fits a text-only target", () => {
    const needs = needsOf({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "u" } }] }] }, PROTOCOLS.chat.prompt!);
    const r = fits({ capabilities: ["tools"] }, needs);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain("image");
    expect(fits({ capabilities: [] }, needs).ok).toBe(false);
    expect(fits({ capabilities: ["vision"] }, needs).ok).toBe(true);
  });

  test("unknown capabilities are assumed present", () => {
    expect(fits({}, { tokens: 10, vision: true, tools: true, reasoning: true }).ok).toBe(true);
  });

  test("tools and reasoning need their capability when capabilities are listed", () => {
    expect(fits({ capabilities: ["vision"] }, { ...none, tools: true }).ok).toBe(false);
    expect(fits({ capabilities: ["tools"] }, { ...none, reasoning: true }).ok).toBe(false);
    expect(fits({ capabilities: ["tools", "reasoning"] }, { ...none, tools: true, reasoning: true }).ok).toBe(true);
  });

  test("context overflow", () => {
    const needs = needsOf({ messages: [{ role: "user", content: text(40_000) }] }, PROTOCOLS.chat.prompt!);
    expect(needs.tokens).toBe(10_000);
    const small = fits({ contextWindow: 8192 }, needs);
    expect(small.ok).toBe(false);
    expect(small.reason).toContain("8192");
    expect(fits({ contextWindow: 10_000 }, needs).ok).toBe(true);
    expect(fits({ contextWindow: 128_000 }, needs).ok).toBe(true);
  });
});
