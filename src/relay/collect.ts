// A full garbage collection every COLLECT_EVERY bytes streamed, across all streams.
//
// A busy stream's chunks wait in queues (the socket's, the tee's, the client's) long enough to
// outlive a young collection, and JavaScriptCore frees those only in a full one, which its own
// heuristics ran too seldom under a burst of fast streams: 200 concurrent 2 MiB streams left
// 300–450 MiB of chunks already relayed in the heap, as garbage, at the peak. Asking for a
// collection without waiting (Bun.gc(false)) did not keep up. Run every 64 MiB, the burst's
// peak was 250–290 MiB with the cache recording every answer (bench/scenarios/memory-burst.ts),
// each collection taking 8–26 ms on that heap; a gateway streaming coding-agent answers
// streams 64 MiB in hours, and then its heap is small.
const COLLECT_EVERY = 64 * 1024 * 1024;

let streamedSinceCollect = 0;

/** Counts bytes read from a stream; collects once enough have passed since the last time. */
export function streamed(bytes: number): void {
  streamedSinceCollect += bytes;
  if (streamedSinceCollect < COLLECT_EVERY) return;
  streamedSinceCollect = 0;
  Bun.gc(true);
}
