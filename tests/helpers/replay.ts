// A cache entry replayed as a byte stream, the way respond.ts sends a hit.
import { freshId, replayTexts } from "../../src/cache/replay.ts";
import type { CacheEntry } from "../../src/cache/store.ts";
import { PROTOCOLS } from "../../src/protocol/apis.ts";

const encoder = new TextEncoder();

export function streamOfTexts(texts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (i < texts.length) ctl.enqueue(encoder.encode(texts[i++]));
      else ctl.close();
    },
  });
}

export function replayStream(entry: CacheEntry, o: { api?: string; includeUsage: boolean; model: string; id?: string }): ReadableStream<Uint8Array> {
  return streamOfTexts(replayTexts(entry, { includeUsage: o.includeUsage, model: o.model, id: o.id ?? freshId(PROTOCOLS[entry.api]) }));
}
