// Tool calls a local model writes as text (Qwen3-Coder XML, Hermes tags, bare JSON) become real
// tool calls for every client protocol, streamed and whole: the mock writes the call as text
// cut into 7-character pieces (text-tool marker), the clients are the official SDKs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let gpu: MockUpstream;
let gw: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  gpu = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\n` +
      upstreamToml("gpu", gpu.url, `wire = ["chat"]\n[upstream.model_info."plain+text-tool:qwen3"]\ntool_call_format = "off"`) +
      upstreamToml("strict", gpu.url, `wire = ["chat"]\ntool_call_format = "hermes"`),
  );
  openai = new OpenAI({ baseURL: gw.v1, apiKey: "wayfront" });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "wayfront" });
});
afterAll(async () => {
  await gw.stop();
  await gpu.stop();
});

const BASH = {
  type: "function" as const,
  function: {
    name: "Bash",
    parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"], additionalProperties: false },
  },
};
const FORMATS = ["qwen3", "hermes", "json"] as const;
const ARGS = { command: "echo hi" };

describe("chat clients", () => {
  for (const format of FORMATS) {
    test(`${format}: streamed, the call arrives as tool_calls and finish_reason "tool_calls"`, async () => {
      const stream = openai.chat.completions.stream({
        model: `gpu/m+text-tool:${format}`,
        messages: [{ role: "user", content: "run it" }],
        tools: [BASH],
      });
      const final = await stream.finalChatCompletion();
      const choice = final.choices[0];
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.tool_calls).toHaveLength(1);
      const call = choice.message.tool_calls![0] as { function: { name: string; arguments: string } };
      expect(call.function.name).toBe("Bash");
      expect(JSON.parse(call.function.arguments)).toEqual(ARGS);
      expect(choice.message.content ?? "").not.toContain("tool_call");
      // Qwen3-Coder's text before the call is kept, and sent before the call.
      if (format === "qwen3") expect(choice.message.content).toBe("I'll run it.\n");
    });

    test(`${format}: whole, the completion carries tool_calls`, async () => {
      const c = await openai.chat.completions.create({
        model: `gpu/m+text-tool:${format}`,
        messages: [{ role: "user", content: "run" }],
        tools: [BASH],
      });
      expect(c.choices[0].finish_reason).toBe("tool_calls");
      expect(JSON.parse((c.choices[0].message.tool_calls![0] as any).function.arguments)).toEqual(ARGS);
    });
  }

  // (A call naming a tool the request did not offer is covered in tests/unit/protocol/tool-text:
  // the mock always names the first offered tool.)
  test("a request that offered no tools gets the text as written", async () => {
    const unoffered = await fetch(`${gw.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpu/m+text-tool:hermes", messages: [{ role: "user", content: "run" }] }),
    });
    const body = await unoffered.json();
    expect(body.choices[0].message.tool_calls ?? []).toEqual([]);
    expect(body.choices[0].message.content).toContain("<tool_call>");
  });

  test("arguments that break the tool's schema stay text", async () => {
    const needsOther = {
      ...BASH,
      function: { ...BASH.function, parameters: { ...BASH.function.parameters, properties: { cmd: { type: "string" } }, required: ["cmd"] } },
    };
    const c = await openai.chat.completions.create({
      model: "gpu/m+text-tool:qwen3",
      messages: [{ role: "user", content: "run" }],
      tools: [needsOther],
    });
    expect(c.choices[0].message.tool_calls ?? []).toEqual([]);
    expect(c.choices[0].message.content).toContain("<function=Bash>");
    expect(c.choices[0].finish_reason).toBe("stop");
  });

  test('tool_call_format = "off" (per model) and a format that does not match leave the text alone', async () => {
    const off = await openai.chat.completions.create({
      model: "gpu/plain+text-tool:qwen3",
      messages: [{ role: "user", content: "run" }],
      tools: [BASH],
    });
    expect(off.choices[0].message.tool_calls ?? []).toEqual([]);
    expect(off.choices[0].message.content).toContain("<tool_call>");
    const qwenOnHermes = await openai.chat.completions.create({
      model: "strict/m+text-tool:qwen3",
      messages: [{ role: "user", content: "run" }],
      tools: [BASH],
    });
    expect(qwenOnHermes.choices[0].message.tool_calls ?? []).toEqual([]);
    const hermes = await openai.chat.completions.create({
      model: "strict/m+text-tool:hermes",
      messages: [{ role: "user", content: "run" }],
      tools: [BASH],
    });
    expect(hermes.choices[0].message.tool_calls).toHaveLength(1);
  });
});

describe("Responses and Messages clients (translated from chat)", () => {
  test("Responses: a function_call item with the arguments", async () => {
    const r = await openai.responses.create({
      model: "gpu/m+text-tool:qwen3",
      input: "run it",
      tools: [{ type: "function", name: "Bash", parameters: BASH.function.parameters, strict: false }],
      stream: false,
    });
    const call = r.output.find((o) => o.type === "function_call") as { name: string; arguments: string } | undefined;
    expect(call?.name).toBe("Bash");
    expect(JSON.parse(call!.arguments)).toEqual(ARGS);
  });

  for (const format of FORMATS) {
    test(`Messages (${format}): a tool_use block, stop_reason tool_use, streamed and whole`, async () => {
      const req = {
        model: `gpu/m+text-tool:${format}`,
        max_tokens: 512,
        messages: [{ role: "user" as const, content: "run it" }],
        tools: [{ name: "Bash", input_schema: BASH.function.parameters as Anthropic.Tool.InputSchema }],
      };
      const streamed = await anthropic.messages.stream(req).finalMessage();
      const whole = await anthropic.messages.create(req);
      for (const m of [streamed, whole]) {
        expect(m.stop_reason).toBe("tool_use");
        const use = m.content.find((b) => b.type === "tool_use");
        expect(use).toMatchObject({ type: "tool_use", name: "Bash", input: ARGS });
        expect(JSON.stringify(m.content)).not.toContain("<tool_call>");
      }
    });
  }

  // Each format: chat streamed and whole, Messages streamed and whole; plus the Responses call.
  test("repaired calls are counted in /metrics", async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith('wayfront_tool_calls_repaired_total{upstream="gpu",format="auto"}'));
    expect(Number(line?.split(" ").at(-1))).toBeGreaterThanOrEqual(FORMATS.length * 4 + 1);
  });
});
