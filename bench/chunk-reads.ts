// Does a paced stream reach the client as it was sent? Counts the separate reads that carry
// content: a relay that batches chunks (buffers, or waits to coalesce) delivers fewer reads
// than the upstream sent chunks, and one that delays them finishes late.

export interface ChunkReads {
  /** Reads at the client that held at least one content token. */
  reads: number;
  totalMs: number;
}

const decoder = new TextDecoder();

/** Reads that contain `marker` (every content chunk of the reference stream holds "tok"). */
export async function countChunkReads(url: string, body: string, marker = "tok"): Promise<ChunkReads> {
  const start = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (!res.ok || !res.body) throw new Error(`stream request to ${url} answered ${res.status}`);
  let reads = 0;
  for await (const chunk of res.body) if (decoder.decode(chunk).includes(marker)) reads++;
  return { reads, totalMs: performance.now() - start };
}
