// The strict Responses check (what the route stage runs before translating) names the exact
// param of every shape the translator cannot read, and parseBody refuses pathological nesting.
import { expect, test } from "bun:test";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ResponsesRequest } from "../../../src/protocol/responses.ts";
import { checkOrThrow, parseBody } from "../../../src/protocol/validate.ts";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";
import { GatewayError } from "../../../src/protocol/errors.ts";

const strict = TypeCompiler.Compile(ResponsesRequest);

function errorOf(body: unknown): GatewayError | null {
  try {
    checkOrThrow(strict, body);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return e as GatewayError;
  }
}

const req = (o: object) => ({ model: "m", ...o });

const CASES: [string, object, string, string][] = [
  ["a message without content", { input: [{ type: "message", role: "user" }] }, "input.0.content", "missing_required_parameter"],
  ["content of another type", { input: [{ type: "message", role: "user", content: 5 }] }, "input.0.content", "invalid_type"],
  ["an untyped message with object content", { input: [{ role: "user", content: {} }] }, "input.0.content", "invalid_type"],
  ["an unknown role", { input: [{ role: "robot", content: "x" }] }, "input.0.role", "invalid_type"],
  ["a content part that is not an object", { input: [{ role: "user", content: ["x"] }] }, "input.0.content.0", "invalid_type"],
  [
    "a function_call without a name",
    { input: [{ type: "function_call", call_id: "c", arguments: "{}" }] },
    "input.0.name",
    "missing_required_parameter",
  ],
  [
    "a function_call with numeric arguments",
    { input: [{ type: "function_call", call_id: "c", name: "f", arguments: 1 }] },
    "input.0.arguments",
    "invalid_type",
  ],
  ["a tool output without call_id", { input: [{ type: "function_call_output", output: "x" }] }, "input.0.call_id", "missing_required_parameter"],
  ["an item that is not an object", { input: [null] }, "input.0", "invalid_type"],
  ["an item without type or role", { input: [{ content: "x" }] }, "input.0.role", "missing_required_parameter"],
  ["a function tool without a name", { input: "x", tools: [{ type: "function" }] }, "tools.0.name", "missing_required_parameter"],
  ["a custom tool with a numeric name", { input: "x", tools: [{ type: "custom", name: 3 }] }, "tools.0.name", "invalid_type"],
  ["a namespace whose tools is not an array", { input: "x", tools: [{ type: "namespace", name: "n", tools: 5 }] }, "tools.0.tools", "invalid_type"],
  [
    "a namespaced function without a name",
    { input: "x", tools: [{ type: "namespace", name: "n", tools: [{ type: "function" }] }] },
    "tools.0.tools.0.name",
    "missing_required_parameter",
  ],
  ["a tool that is not an object", { input: "x", tools: ["web_search"] }, "tools.0", "invalid_type"],
  ["input of another type", { input: 5 }, "input", "invalid_type"],
];

for (const [name, body, param, code] of CASES) {
  test(`${name} → 400 naming ${param}`, () => {
    const e = errorOf(req(body));
    expect(e?.status).toBe(400);
    expect(e?.param).toBe(param);
    expect(e?.code).toBe(code);
    expect(e?.message).toContain(`'${param}'`);
  });
}

test("unknown item and tool types still pass (the translator drops them with a warning)", () => {
  const body = req({
    input: [
      { type: "reasoning", summary: [] },
      { type: "item_reference", id: "x" },
      { role: "user", content: "hi" },
    ],
    tools: [{ type: "web_search" }, { type: "namespace", name: "n", tools: [{ type: "local_shell" }] }],
  });
  expect(errorOf(body)).toBeNull();
});

test("a union error lists what would have been accepted", () => {
  expect(errorOf(req({ input: [{ role: "user", content: 5 }] }))?.message).toBe(
    "Invalid value for 'input.0.content': expected a string or an array.",
  );
  expect(errorOf(req({ input: "x", instructions: 1 }))?.message).toBe("Invalid value for 'instructions': expected a string or null.");
  expect(errorOf(req({ input: [{ role: 1, content: "x" }] }))?.message).toContain('expected one of "user", "assistant", "system", "developer"');
});

test("parseBody refuses JSON nested deeper than the limit before parsing it", () => {
  const deep = `{"model":"m","messages":${"[".repeat(600)}${"]".repeat(600)}}`;
  let err: GatewayError | undefined;
  try {
    parseBody(PROTOCOLS.chat, deep, 512);
  } catch (e) {
    err = e as GatewayError;
  }
  expect(err?.status).toBe(400);
  expect(err?.code).toBe("json_too_deep");
  expect(err?.message).toContain("server.max_json_depth");
  // Within the limit it is an ordinary body (and the schema judges it).
  expect(() => parseBody(PROTOCOLS.chat, `{"model":"m","messages":[],"x":${"[".repeat(500)}${"]".repeat(500)}}`, 512)).not.toThrow();
});
