import { expect, test } from "bun:test";
import { pathOf } from "../../../src/server/request-path.ts";

test("pathOf agrees with URL.pathname on the URLs Bun hands us", () => {
  for (const u of [
    "http://127.0.0.1:4141/v1/chat/completions",
    "http://h/v1/models/a/b:c?x=1",
    "http://[::1]:4141/",
    "https://example.com",
    "http://h/responses?a=/b",
  ]) {
    expect(pathOf(u)).toBe(new URL(u).pathname);
  }
});
