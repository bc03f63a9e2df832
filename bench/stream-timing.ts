// Time one streamed request from the client's side: until the first "data:" bytes arrive
// (heartbeat comments do not count), and until the stream ends.

export interface StreamTiming {
  firstDataMs: number;
  totalMs: number;
}

const decoder = new TextDecoder();

export async function timeStream(url: string, body: string): Promise<StreamTiming> {
  const start = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (!res.ok || !res.body) throw new Error(`stream request to ${url} answered ${res.status}`);
  let firstDataMs = NaN;
  let seen = "";
  for await (const chunk of res.body) {
    if (Number.isNaN(firstDataMs)) {
      // Keep only a short tail so "data:" split across two chunks is still found.
      seen = seen.slice(-8) + decoder.decode(chunk);
      if (seen.includes("data:")) firstDataMs = performance.now() - start;
    }
  }
  if (Number.isNaN(firstDataMs)) throw new Error(`stream from ${url} ended without a data event`);
  return { firstDataMs, totalMs: performance.now() - start };
}
