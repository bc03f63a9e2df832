// An unexpected exception: the client sees "internal gateway error" and nothing of it; the
// log line (which shows the error's message) keeps its name and message, never its stack.
import { expect, test } from "bun:test";
import {
  GatewayError,
  describeCause,
  errorResponse,
  internalError,
  responsesStreamErrorEvent,
  toGatewayError,
} from "../../../src/protocol/errors.ts";

test("an exception becomes a 500 whose body hides the cause and whose message keeps it", async () => {
  const e = toGatewayError(new TypeError("Cannot read properties of undefined (reading 'replace')"));
  expect(e.status).toBe(500);
  expect(e.body()).toEqual({ error: { message: "internal gateway error", type: "server_error", param: null, code: "internal" } });
  expect(e.message).toBe("internal gateway error (TypeError: Cannot read properties of undefined (reading 'replace'))");
  const res = errorResponse(new RangeError("Maximum call stack size exceeded"));
  const text = await res.text();
  expect(res.status).toBe(500);
  expect(text).not.toContain("RangeError");
  expect(responsesStreamErrorEvent(e, 3)).not.toContain("TypeError");
});

test("a GatewayError is passed on as is; its message is what the client reads", () => {
  const e = new GatewayError("invalid_request", "bad thing", { param: "x" });
  expect(toGatewayError(e)).toBe(e);
  expect(e.body().error.message).toBe("bad thing");
  expect(e.message).toBe("bad thing");
});

test("the cause is one line, bounded, and never a stack", () => {
  const err = new Error(`line one\n    at evil (/src/secret.ts:1:1)\n${"x".repeat(2000)}`);
  const text = describeCause(err);
  expect(text.startsWith("Error: line one")).toBe(true);
  expect(text).not.toContain("\n");
  expect(text.length).toBeLessThanOrEqual(501);
  expect(describeCause("plain")).toBe("plain");
  expect(describeCause({ a: 1 })).toBe('non-error thrown: {"a":1}');
  expect(internalError(undefined).message).toContain("non-error thrown");
});
