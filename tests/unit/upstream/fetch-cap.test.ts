import { expect, test } from "bun:test";
import { BUN_DEFAULT_MAX_HTTP_REQUESTS, bunFetchLimit, fetchLimitFor, reachedByFetch, upstreamCap } from "../../../src/upstream/fetch-cap.ts";

test("Bun's fetch limit: its default, or the variable when it is a positive whole number", () => {
  expect(bunFetchLimit({})).toBe(BUN_DEFAULT_MAX_HTTP_REQUESTS);
  expect(bunFetchLimit({ BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" })).toBe(4096);
  for (const bad of ["", "0", "-5", "lots", "1.5"]) expect(bunFetchLimit({ BUN_CONFIG_MAX_HTTP_REQUESTS: bad })).toBe(256);
});

test("the global cap stays below Bun's limit, leaving room for probes", () => {
  expect(upstreamCap(4096, 256)).toEqual({ cap: 248, limitedByBun: true });
  expect(upstreamCap(4096, 4096)).toEqual({ cap: 4088, limitedByBun: true });
  expect(upstreamCap(100, 256)).toEqual({ cap: 100, limitedByBun: false });
  expect(upstreamCap(4096, 5000)).toEqual({ cap: 4096, limitedByBun: false });
});

test("Bun's limit binds only when some upstream goes through fetch: https://, or any with a proxy variable set", () => {
  const local = { baseUrl: "http://gpu.lan:11434/v1" };
  const cloud = { baseUrl: "https://api.openai.com/v1" };
  expect(fetchLimitFor([local], {})).toBe(Number.POSITIVE_INFINITY);
  expect(upstreamCap(4096, fetchLimitFor([local], {}))).toEqual({ cap: 4096, limitedByBun: false });
  expect(fetchLimitFor([local, cloud], {})).toBe(256);
  expect(fetchLimitFor([local], { HTTP_PROXY: "http://proxy:3128" })).toBe(256);
  expect(fetchLimitFor([local, cloud], { BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" })).toBe(4096);
  // The demo upstream makes no request at all.
  expect(fetchLimitFor([{ baseUrl: "https://demo.invalid/v1", demo: true }], {})).toBe(Number.POSITIVE_INFINITY);
  expect(reachedByFetch("http://127.0.0.1:8080/v1", {})).toBe(false);
  expect(reachedByFetch("https://127.0.0.1:8080/v1", {})).toBe(true);
});
