import { describe, expect, test } from "bun:test";
import {
  classify,
  classifyFetchError,
  DEFAULT_RATE_LIMIT_COOL_DOWN_MS,
  MAX_COOL_DOWN_MS,
  parseRetryAfter,
  timeoutReason,
  type Failure,
  type Verdict,
} from "../../../src/router/failure.ts";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const now = () => NOW;

// [description, failure, expected action, countsAsFailure, coolDownMs]
const table: [string, Failure, Verdict["action"], boolean, number | undefined][] = [
  ["connection refused", { kind: "connect" }, "next", true, undefined],
  ["dns", { kind: "dns" }, "next", true, undefined],
  ["tls", { kind: "tls" }, "next", true, undefined],
  ["connect timeout", { kind: "timeout-connect" }, "next", true, undefined],
  ["first-byte timeout", { kind: "timeout-first-byte" }, "next", true, undefined],
  ["first-token timeout", { kind: "timeout-first-token" }, "next", true, undefined],
  ["reset", { kind: "reset" }, "next", true, undefined],
  ["client aborted", { kind: "aborted" }, "terminal", false, undefined],
  ["deadline", { kind: "deadline" }, "terminal", false, undefined],
  ["500", { kind: "status", status: 500 }, "next", true, undefined],
  ["502", { kind: "status", status: 502 }, "next", true, undefined],
  ["503 no retry-after", { kind: "status", status: 503 }, "next", true, undefined],
  ["503 retry-after 7", { kind: "status", status: 503, retryAfter: "7" }, "next", true, 7000],
  ["504", { kind: "status", status: 504 }, "next", true, undefined],
  ["429 delta-seconds", { kind: "status", status: 429, retryAfter: "30" }, "next", false, 30_000],
  ["429 http-date", { kind: "status", status: 429, retryAfter: "Wed, 01 Jan 2025 00:00:12 GMT" }, "next", false, 12_000],
  ["429 retry-after-ms wins", { kind: "status", status: 429, retryAfter: "30", retryAfterMs: "250" }, "next", false, 250],
  ["429 no header", { kind: "status", status: 429 }, "next", false, DEFAULT_RATE_LIMIT_COOL_DOWN_MS],
  ["429 junk header", { kind: "status", status: 429, retryAfter: "soon-ish" }, "next", false, DEFAULT_RATE_LIMIT_COOL_DOWN_MS],
  ["429 huge header capped", { kind: "status", status: 429, retryAfter: "999999" }, "next", false, MAX_COOL_DOWN_MS],
  ["408", { kind: "status", status: 408 }, "next", true, undefined],
  ["409", { kind: "status", status: 409 }, "next", false, undefined],
  ["401 (our upstream key)", { kind: "status", status: 401 }, "next", true, undefined],
  ["403 (our upstream key)", { kind: "status", status: 403 }, "next", true, undefined],
  ["400", { kind: "status", status: 400, body: '{"error":{"message":"messages is required"}}' }, "terminal", false, undefined],
  ["413", { kind: "status", status: 413 }, "terminal", false, undefined],
  ["422", { kind: "status", status: 422 }, "terminal", false, undefined],
  ["404 plain", { kind: "status", status: 404, body: "404 page not found" }, "terminal", false, undefined],
  ["404 no body", { kind: "status", status: 404 }, "terminal", false, undefined],
  [
    "404 OpenAI model_not_found",
    {
      kind: "status",
      status: 404,
      body: '{"error":{"message":"The model `x` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}',
    },
    "next",
    false,
    undefined,
  ],
  [
    "404 Ollama model not found",
    { kind: "status", status: 404, body: '{"error":"model \\"qwen3:8b\\" not found, try pulling it first"}' },
    "next",
    false,
    undefined,
  ],
  [
    "404 vLLM model does not exist",
    { kind: "status", status: 404, body: '{"object":"error","message":"The model `qwen` does not exist.","type":"NotFoundError","code":404}' },
    "next",
    false,
    undefined,
  ],
  [
    "400 context overflow (OpenAI)",
    { kind: "status", status: 400, body: '{"error":{"code":"context_length_exceeded","message":"..."}}' },
    "next",
    false,
    undefined,
  ],
  [
    "400 context overflow (llama.cpp)",
    {
      kind: "status",
      status: 400,
      body: '{"error":{"code":400,"message":"the request exceeds the available context size","type":"exceed_context_size_error"}}',
    },
    "next",
    false,
    undefined,
  ],
  ["302 (misconfigured base url)", { kind: "status", status: 302 }, "next", true, undefined],
];

describe("classify", () => {
  for (const [name, f, action, counts, cool] of table) {
    test(name, () => {
      const v = classify(f, now);
      expect(v.action).toBe(action);
      expect(v.countsAsFailure).toBe(counts);
      expect(v.coolDownMs).toBe(cool);
      expect(v.reason.length).toBeGreaterThan(0);
    });
  }
});

describe("parseRetryAfter", () => {
  test("delta-seconds", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
  });
  test("all three HTTP-date forms are GMT (RFC 9110 §5.6.7)", () => {
    const base = Date.parse("1994-11-06T08:49:37Z");
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", base - 1000)).toBe(1000);
    expect(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", base - 1000)).toBe(1000);
    expect(parseRetryAfter("Sun Nov  6 08:49:37 1994", base - 1000)).toBe(1000);
  });
  test("a date in the past is 0; junk is undefined", () => {
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).toBe(0);
    expect(parseRetryAfter("1.5", NOW)).toBeUndefined();
    expect(parseRetryAfter("-3", NOW)).toBeUndefined();
    expect(parseRetryAfter("later", NOW)).toBeUndefined();
  });
});

describe("classifyFetchError", () => {
  const coded = (code: string) => Object.assign(new TypeError("x"), { code });
  const rows: [string, unknown, Failure["kind"]][] = [
    ["ECONNREFUSED", coded("ECONNREFUSED"), "connect"],
    ["ConnectionRefused (older Bun)", coded("ConnectionRefused"), "connect"],
    ["FailedToOpenSocket", coded("FailedToOpenSocket"), "connect"],
    ["ENOTFOUND", coded("ENOTFOUND"), "dns"],
    ["EAI_AGAIN", coded("EAI_AGAIN"), "dns"],
    ["EPROTO", coded("EPROTO"), "tls"],
    ["CERT_HAS_EXPIRED", coded("CERT_HAS_EXPIRED"), "tls"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", coded("DEPTH_ZERO_SELF_SIGNED_CERT"), "tls"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", coded("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "tls"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", coded("ERR_TLS_CERT_ALTNAME_INVALID"), "tls"],
    ["ECONNRESET", coded("ECONNRESET"), "reset"],
    ["ETIMEDOUT", coded("ETIMEDOUT"), "timeout-connect"],
    ["code on cause (undici)", Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }), "connect"],
    ["AbortError (client)", new DOMException("The operation was aborted.", "AbortError"), "aborted"],
    ["our first-byte timer", timeoutReason("timeout-first-byte"), "timeout-first-byte"],
    ["our first-token timer", timeoutReason("timeout-first-token"), "timeout-first-token"],
    ["our connect timer", timeoutReason("timeout-connect"), "timeout-connect"],
    ["our deadline", timeoutReason("deadline"), "deadline"],
    ["bare AbortSignal.timeout", new DOMException("The operation timed out.", "TimeoutError"), "timeout-first-byte"],
    ["upstream/client FirstByteTimeout", Object.assign(new Error("no response within 5 ms"), { name: "FirstByteTimeout" }), "timeout-first-byte"],
    ["unknown error", new Error("weird"), "reset"],
    ["not an error at all", "boom", "reset"],
    ["null", null, "reset"],
  ];
  for (const [name, err, kind] of rows) {
    test(name, () => expect(classifyFetchError(err).kind).toBe(kind));
  }

  // Real Bun fetch errors, all on 127.0.0.1 — guards the codes above against Bun changes.
  test("real refused connection and real abort reasons", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("x") });
    const port = closed.port;
    await closed.stop(true);
    const refused = await fetch(`http://127.0.0.1:${port}/`).catch((e) => e);
    expect(classifyFetchError(refused).kind).toBe("connect");

    const ctrl = new AbortController();
    ctrl.abort(timeoutReason("timeout-first-byte"));
    const timedOut = await fetch(`http://127.0.0.1:${port}/`, { signal: ctrl.signal }).catch((e) => e);
    expect(classifyFetchError(timedOut).kind).toBe("timeout-first-byte");

    const client = new AbortController();
    client.abort();
    const aborted = await fetch(`http://127.0.0.1:${port}/`, { signal: client.signal }).catch((e) => e);
    expect(classifyFetchError(aborted).kind).toBe("aborted");
  });

  test("real TLS failure: https to a plain-HTTP port", async () => {
    const plain = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("x") });
    try {
      const err = await fetch(`https://127.0.0.1:${plain.port}/`).catch((e) => e);
      expect(classifyFetchError(err).kind).toBe("tls");
    } finally {
      await plain.stop(true);
    }
  });
});
