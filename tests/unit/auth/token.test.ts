import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { generateToken, hashToken, hashTokenHex, hashesEqual, isTokenShape, tokenPrefix } from "../../../src/auth/token.ts";

test("a token is wf- and 43 base62 characters, different every time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const t = generateToken();
    expect(t).toMatch(/^wf-[0-9A-Za-z]{43}$/);
    expect(isTokenShape(t)).toBe(true);
    seen.add(t);
  }
  expect(seen.size).toBe(2000);
});

test("tokens carry close to 256 bits: every base62 digit shows up, evenly", () => {
  const counts = new Map<string, number>();
  const n = 2000;
  // The leading digit is biased (62^43 is only a little above 2^256); the rest are uniform.
  for (let i = 0; i < n; i++) for (const ch of generateToken().slice(4)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  expect(counts.size).toBe(62);
  const expected = (n * 42) / 62;
  for (const c of counts.values()) expect(Math.abs(c - expected) / expected).toBeLessThan(0.15);
});

test("the hash is SHA-256 of the token; the prefix is the 8 characters after wf-", () => {
  const t = generateToken();
  expect(hashTokenHex(t)).toBe(createHash("sha256").update(t).digest("hex"));
  expect(hashToken(t).length).toBe(32);
  expect(tokenPrefix(t)).toBe(t.slice(3, 11));
  expect(tokenPrefix(t)).toHaveLength(8);
});

test("isTokenShape rejects anything else", () => {
  const t = generateToken();
  for (const bad of ["", "wf-", t.slice(0, -1), `${t}x`, `WF-${t.slice(3)}`, `wf-${"-".repeat(43)}`, ` ${t}`]) expect(isTokenShape(bad)).toBe(false);
});

test("hashesEqual: equal, one bit off, and different lengths (false, no throw)", () => {
  const a = hashToken("x");
  const b = Buffer.from(a);
  expect(hashesEqual(a, b)).toBe(true);
  b[31] ^= 1;
  expect(hashesEqual(a, b)).toBe(false);
  expect(hashesEqual(a, a.subarray(0, 16))).toBe(false);
});
