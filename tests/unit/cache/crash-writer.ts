// Child process for the crash-safety test: puts entries forever, reports each flushed
// batch on stdout, and is killed with SIGKILL by the test mid-write.
import { sqliteStore } from "../../../src/cache/sqlite.ts";

const path = process.argv[2];
const store = sqliteStore({ path, ttlMs: 3_600_000, maxBytes: 1 << 30 });
// Large entries so a kill is likely to land inside a write.
const filler = "x".repeat(64 * 1024);
// Bounded (≈256 MB at most) in case the test never kills it.
for (let i = 0; i < 500; i++) {
  const parts = Array.from({ length: 8 }, (_, j) => `${i}:${j}:${filler}`);
  // final records how many parts the stream must have and their total length.
  const final = { i, parts: parts.length, total: parts.reduce((n, p) => n + p.length, 0) };
  await store.put({ key: `k${i}`, api: "chat", namespace: "crash", createdAt: Date.now(), stream: parts, final });
  process.stdout.write(`${i}\n`);
}
