import { describe, expect, test } from "bun:test";
import { cacheDecision, isCompleteChat, isCompleteResponse } from "../../../src/cache/policy.ts";

const h = (init: Record<string, string> = {}) => new Headers(init);

describe("cacheDecision", () => {
  test("deterministic mode: temperature 0 or a seed", () => {
    expect(cacheDecision({ mode: "deterministic", body: { temperature: 0 }, headers: h() })).toMatchObject({ read: true, write: true });
    expect(cacheDecision({ mode: "deterministic", body: { seed: 3, temperature: 1 }, headers: h() })).toMatchObject({ read: true, write: true });
    const d = cacheDecision({ mode: "deterministic", body: { temperature: 0.2 }, headers: h() });
    expect(d).toEqual({ read: false, write: false, reason: "not-deterministic" });
    expect(cacheDecision({ mode: "deterministic", body: {}, headers: h() }).read).toBe(false);
  });

  test("embeddings are always deterministic", () => {
    expect(cacheDecision({ mode: "deterministic", deterministic: true, body: { input: "x" }, headers: h() }).read).toBe(true);
  });

  test("always and off", () => {
    expect(cacheDecision({ mode: "always", body: { temperature: 1 }, headers: h() })).toMatchObject({ read: true, write: true });
    expect(cacheDecision({ mode: "off", body: { temperature: 0 }, headers: h() })).toMatchObject({ read: false, write: false });
  });

  test("Cache-Control no-cache skips read, no-store skips write", () => {
    const body = { temperature: 0 };
    expect(cacheDecision({ mode: "always", body, headers: h({ "cache-control": "no-cache" }) })).toMatchObject({ read: false, write: true });
    expect(cacheDecision({ mode: "always", body, headers: h({ "cache-control": "No-Store" }) })).toMatchObject({ read: true, write: false });
    expect(cacheDecision({ mode: "always", body, headers: h({ "cache-control": "no-cache, no-store" }) })).toMatchObject({
      read: false,
      write: false,
    });
    expect(cacheDecision({ mode: "always", body, headers: h({ "cache-control": "max-age=0" }) })).toMatchObject({ read: true, write: true });
  });

  test("x-wayfront-cache force and skip override the mode", () => {
    const body = { temperature: 0.9 };
    expect(cacheDecision({ mode: "off", body, headers: h({ "x-wayfront-cache": "force" }) })).toMatchObject({
      read: true,
      write: true,
      reason: "header-force",
    });
    expect(cacheDecision({ mode: "deterministic", body, headers: h({ "x-wayfront-cache": "Force" }) }).read).toBe(true);
    expect(cacheDecision({ mode: "always", body: { temperature: 0 }, headers: h({ "x-wayfront-cache": "skip" }) })).toMatchObject({
      read: false,
      write: false,
    });
  });
});

describe("completeness", () => {
  const chat = (...reasons: (string | null)[]) => ({ choices: reasons.map((r, i) => ({ index: i, finish_reason: r })) });
  test("chat: stop and tool_calls complete; length only on opt-in; null and content_filter never", () => {
    expect(isCompleteChat(chat("stop"))).toBe(true);
    expect(isCompleteChat(chat("tool_calls"))).toBe(true);
    expect(isCompleteChat(chat("length"))).toBe(false);
    expect(isCompleteChat(chat("length"), { allowLength: true })).toBe(true);
    expect(isCompleteChat(chat(null))).toBe(false);
    expect(isCompleteChat(chat("content_filter"))).toBe(false);
    expect(isCompleteChat(chat("stop", null))).toBe(false);
    expect(isCompleteChat({ choices: [] })).toBe(false);
    expect(isCompleteChat(null)).toBe(false);
  });
  test("responses: only status completed", () => {
    expect(isCompleteResponse({ status: "completed" })).toBe(true);
    for (const s of ["incomplete", "failed", "in_progress", "cancelled"]) expect(isCompleteResponse({ status: s })).toBe(false);
    expect(isCompleteResponse(undefined)).toBe(false);
  });
});
