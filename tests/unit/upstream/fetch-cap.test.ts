import { expect, test } from "bun:test";
import { BUN_DEFAULT_MAX_HTTP_REQUESTS, bunFetchLimit, upstreamCap } from "../../../src/upstream/fetch-cap.ts";

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
