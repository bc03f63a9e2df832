// Scenario: time to the first content token of a stream, one request at a time, with the
// upstream waiting FIRST_TOKEN_MS before it (a real server's prefill: a relay that only
// looks fast against an instant upstream would show here). Targets are interleaved per
// iteration so a noisy moment hits all alike.
import { summarize, type Summary } from "../percentile.ts";
import { FIRST_TOKEN_MODEL } from "../reference-upstream.ts";
import { chatBody } from "../targets.ts";

export interface FirstTokenOptions {
  samples: number;
  warmup: number;
}

const decoder = new TextDecoder();
/** The reference stream's first content token (the role chunk before it carries none). */
const FIRST_TOKEN = "tok0";

export async function timeFirstToken(url: string, body: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (!res.ok || !res.body) throw new Error(`first-token request to ${url} answered ${res.status}`);
  let at = Number.NaN;
  let seen = "";
  for await (const chunk of res.body) {
    if (!Number.isNaN(at)) continue; // read to the end so the connection is reused
    seen = seen.slice(-8) + decoder.decode(chunk);
    if (seen.includes(FIRST_TOKEN)) at = performance.now() - start;
  }
  if (Number.isNaN(at)) throw new Error(`stream from ${url} ended without a content token`);
  return at;
}

export async function runFirstToken(urls: Record<string, string>, o: FirstTokenOptions): Promise<Record<string, Summary>> {
  const body = chatBody(FIRST_TOKEN_MODEL, true);
  const names = Object.keys(urls);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < o.warmup + o.samples; i++) {
    for (const n of names) {
      const ms = await timeFirstToken(`${urls[n]}/v1/chat/completions`, body);
      if (i >= o.warmup) samples[n].push(ms);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
}
