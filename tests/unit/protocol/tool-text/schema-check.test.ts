import { describe, expect, test } from "bun:test";
import { conforms, readParameter } from "../../../../src/protocol/tool-text/schema-check.ts";

describe("conforms", () => {
  test("type: a name, a list, integer against number", () => {
    expect(conforms({ type: "integer" }, 3)).toBe(true);
    expect(conforms({ type: "integer" }, 3.5)).toBe(false);
    expect(conforms({ type: "number" }, 3.5)).toBe(true);
    expect(conforms({ type: ["string", "null"] }, null)).toBe(true);
    expect(conforms({ type: ["string", "null"] }, 1)).toBe(false);
    expect(conforms({ type: "object" }, [])).toBe(false);
    expect(conforms({ type: "array" }, [])).toBe(true);
    expect(conforms({ type: "boolean" }, "true")).toBe(false);
  });

  test("required, properties, additionalProperties (false and a schema)", () => {
    const s = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    expect(conforms(s, { a: "x" })).toBe(true);
    expect(conforms(s, {})).toBe(false);
    expect(conforms(s, { a: 1 })).toBe(false);
    expect(conforms(s, { a: "x", b: 1 })).toBe(false);
    expect(conforms({ additionalProperties: { type: "number" } }, { b: 1 })).toBe(true);
    expect(conforms({ additionalProperties: { type: "number" } }, { b: "1" })).toBe(false);
    // patternProperties are not evaluated, so nothing can be called "additional".
    expect(conforms({ patternProperties: { "^x": {} }, additionalProperties: false }, { xy: 1 })).toBe(true);
  });

  test("enum, const, items (one schema and draft 4 tuples)", () => {
    expect(conforms({ enum: ["a", "b"] }, "b")).toBe(true);
    expect(conforms({ enum: ["a", "b"] }, "c")).toBe(false);
    expect(conforms({ enum: [{ k: [1] }] }, { k: [1] })).toBe(true);
    expect(conforms({ const: 1 }, 2)).toBe(false);
    expect(conforms({ type: "array", items: { type: "string" } }, ["a", 1])).toBe(false);
    expect(conforms({ type: "array", items: { type: "string" } }, ["a", "b"])).toBe(true);
    expect(conforms({ items: [{ type: "string" }, { type: "number" }] }, ["a", 1, true])).toBe(true);
    expect(conforms({ items: [{ type: "string" }, { type: "number" }] }, [1])).toBe(false);
  });

  test("anyOf/oneOf need one branch, allOf all", () => {
    const nullable = { anyOf: [{ type: "string" }, { type: "null" }] };
    expect(conforms(nullable, null)).toBe(true);
    expect(conforms(nullable, 1)).toBe(false);
    expect(conforms({ oneOf: [{ type: "number" }, { type: "integer" }] }, 1)).toBe(true);
    expect(conforms({ allOf: [{ type: "number" }, { enum: [2] }] }, 1)).toBe(false);
  });

  test("$ref passes, unknown keywords and type names are ignored, boolean schemas", () => {
    expect(conforms({ $ref: "#/$defs/x", $defs: { x: { type: "string" } } }, 5)).toBe(true);
    expect(conforms({ $schema: "http://json-schema.org/draft-07/schema#", type: "string", minLength: 99, format: "uri" }, "a")).toBe(true);
    expect(conforms({ type: "decimal" }, "1")).toBe(true);
    expect(conforms(true, 1)).toBe(true);
    expect(conforms(false, 1)).toBe(false);
    expect(conforms(undefined, 1)).toBe(true);
  });
});

describe("readParameter", () => {
  test("string (also through anyOf or a string enum) keeps the text", () => {
    expect(readParameter("42", { type: "string" })).toBe("42");
    expect(readParameter("null", { anyOf: [{ type: "string" }, { type: "null" }] })).toBe("null");
    expect(readParameter("1", { enum: ["1", "2"] })).toBe("1");
  });

  test("typed values are JSON; a typed value that is not JSON stays text for the check to refuse", () => {
    expect(readParameter("42", { type: "integer" })).toBe(42);
    expect(readParameter("[1, 2]", { type: "array" })).toEqual([1, 2]);
    expect(readParameter("yes", { type: "boolean" })).toBe("yes");
    expect(readParameter("plain words", undefined)).toBe("plain words");
    expect(readParameter('"quoted"', undefined)).toBe("quoted");
  });
});
