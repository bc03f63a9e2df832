import { expect, test } from "bun:test";
import { KeyMemo } from "../../../src/cache/key-memo.ts";
import { cacheKey, type CacheKey } from "../../../src/cache/key.ts";

const body = (content: string) => ({ model: "m", messages: [{ role: "user", content }] });
const make = (content: string) => () => cacheKey({ api: "chat", route: "r", namespace: "ns", body: body(content) });

test("a text seen before gets the key made for it, with its digest; another scope or text gets its own", () => {
  const memo = new KeyMemo();
  let made = 0;
  const counted = (f: () => CacheKey) => () => (made++, f());
  const text = JSON.stringify(body("hi"));
  const first = memo.keyOf("chat\0r\0ns", text, counted(make("hi")));
  const again = memo.keyOf("chat\0r\0ns", `${text}`, counted(make("hi")));
  expect(again).toBe(first);
  expect(made).toBe(1);
  expect(again.digest()).toBe(make("hi")().digest());
  memo.keyOf("chat\0r\0other", text, counted(make("hi")));
  memo.keyOf("chat\0r\0ns", JSON.stringify(body("ho")), counted(make("ho")));
  expect(made).toBe(3);
});

test("texts whose hashes collide are compared whole: each keeps its own key", () => {
  const memo = new KeyMemo(16, 1 << 20, () => 42);
  const a = memo.keyOf("s", "text a", make("a"));
  const b = memo.keyOf("s", "text b", make("b"));
  expect(b.key).not.toBe(a.key);
  expect(memo.keyOf("s", "text b", make("never")).key).toBe(b.key);
  // The colliding entry replaced the first: asked again, it is made again, and is right.
  expect(memo.keyOf("s", "text a", make("a")).key).toBe(a.key);
});

test("bounded by entries and by characters, the least recently used going first; long texts are never kept", () => {
  const byCount = new KeyMemo(2, 1 << 20);
  byCount.keyOf("s", "one", make("1"));
  byCount.keyOf("s", "two", make("2"));
  byCount.keyOf("s", "one", make("1")); // used: "two" is now the oldest
  byCount.keyOf("s", "three", make("3"));
  expect(byCount.size).toBe(2);
  let made = 0;
  byCount.keyOf("s", "one", () => (made++, make("1")()));
  expect(made).toBe(0);
  byCount.keyOf("s", "two", () => (made++, make("2")()));
  expect(made).toBe(1);

  const byChars = new KeyMemo(100, 10);
  byChars.keyOf("s", "123456", make("a"));
  byChars.keyOf("s", "abcdef", make("b"));
  expect(byChars.size).toBe(1);

  const memo = new KeyMemo();
  memo.keyOf("s", "x".repeat(300 * 1024), make("long"));
  expect(memo.size).toBe(0);
});
