// The shared Redis tier: two gateway processes on one real redis-server share entries and
// coalesce across instances; when Redis dies, requests still succeed, uncached (BYPASS).
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { startRedis } from "../helpers/redis.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { upstreamToml } from "../helpers/gateway.ts";
import { spawnGateway, type GatewayProcess } from "../helpers/process.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "wayfront-redis-"));
type Instance = GatewayProcess & { v1: string };

let mock: MockUpstream;
let redis: Subprocess | null = null;
let a: Instance;
let b: Instance;

beforeAll(async () => {
  const r = await startRedis();
  redis = r.proc;
  mock = await startMockUpstream({ models: ["m"], tokenDelayMs: 2 });
  const file = join(dir, "wayfront.toml");
  writeFileSync(file, `[cache]\nbackend = "redis"\n` + upstreamToml("gpu", mock.url, `models = ["m"]`));
  // Two real gateway processes, as behind a load balancer; each has its own data dir.
  const instance = async (name: string): Promise<Instance> => {
    const p = await spawnGateway([process.execPath, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, name)], {
      WAYFRONT_REDIS_URL: r.url,
    });
    return Object.assign(p, { v1: `${p.url}/v1` });
  };
  [a, b] = await Promise.all([instance("a"), instance("b")]);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await mock?.stop();
  redis?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const calls = (text: string) => mock.requests.filter((r) => JSON.stringify(r.body ?? "").includes(text)).length;
const chat = (gw: Instance, content: string, model = "gpu/m", stream = false) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, temperature: 0, stream, messages: [{ role: "user", content }] }),
  });

test("a miss on one instance is a hit on the other", async () => {
  const q = `redis ${crypto.randomUUID()}`;
  const first = await chat(a, q);
  expect(first.headers.get("x-wayfront-cache")).toBe("MISS");
  const answer = (await first.json()).choices[0].message.content;
  // The write is off the response path: poll (bounded) until instance b sees it.
  let label: string | null = null;
  let body: any = null;
  for (let i = 0; i < 40 && label !== "HIT"; i++) {
    if (i) await Bun.sleep(25);
    const r = await chat(b, q);
    label = r.headers.get("x-wayfront-cache");
    body = await r.json();
  }
  expect(label).toBe("HIT");
  expect(body.choices[0].message.content).toBe(answer);
  expect(calls(q)).toBe(1);
});

/** A streamed answer's text. */
const text = (ev: { data: string }[]) =>
  ev
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? "")
    .join("");

/** The same streamed request on a, then on b once a's is upstream; a must lead, b follow it: the answer a got. */
async function acrossInstances(q: string, model: string): Promise<string> {
  const ra = chat(a, q, model, true);
  // b starts once a holds the lock (its upstream request is recorded by the mock).
  for (let i = 0; i < 100 && calls(q) === 0; i++) await Bun.sleep(10);
  const rb = chat(b, q, model, true);
  const [resA, resB] = await Promise.all([ra, rb]);
  expect(resA.headers.get("x-wayfront-cache")).toBe("MISS");
  expect(resB.headers.get("x-wayfront-cache")).toBe("COALESCED");
  const [ta, tb] = [text(await readSse(resA)), text(await readSse(resB))];
  expect(tb).toBe(ta);
  expect(calls(q)).toBe(1);
  return ta;
}

test("identical requests on two instances at once make one upstream call", async () => {
  await acrossInstances(`cross ${crypto.randomUUID()}`, "gpu/m+slow-first:400+tokens:20");
});

test("a stream large enough to wait on disk (cache/spill.ts) is shared across instances all the same", async () => {
  // 400 tokens: about 56 KB of events, past the 32 KiB at which a recording goes to a file;
  // b waits on a's lock, which a lets go of only once the entry is assembled and stored.
  const q = `spilled ${crypto.randomUUID()}`;
  const model = "gpu/m+slow-first:400+tokens:400";
  const ta = await acrossInstances(q, model);
  expect(ta.split(" ")).toHaveLength(400);
  // And later, a hit.
  const again = await chat(a, q, model, true);
  expect(again.headers.get("x-wayfront-cache")).toBe("HIT");
  expect(text(await readSse(again))).toBe(ta);
  expect(calls(q)).toBe(1);
});

test("a stored response is found on the other instance: GET and previous_response_id", async () => {
  const marker = `remember ${crypto.randomUUID()}`;
  const first = await fetch(`${a.v1}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpu/m", input: marker, store: true }),
  });
  expect(first.status).toBe(200);
  const stored = await first.json();
  // The copy in Redis is written off the response path: wait (bounded) until b sees it.
  let got: Response | null = null;
  for (let i = 0; i < 40 && got?.status !== 200; i++) {
    if (i) await Bun.sleep(25);
    got = await fetch(`${b.v1}/responses/${stored.id}`);
  }
  expect(got!.status).toBe(200);
  expect((await got!.json()).id).toBe(stored.id);
  const before = mock.requests.length;
  const next = await fetch(`${b.v1}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpu/m", input: "and now?", previous_response_id: stored.id }),
  });
  expect(next.status).toBe(200);
  await next.json();
  const sent = mock.requests.slice(before).find((r) => r.path.endsWith("/chat/completions"))!;
  expect(JSON.stringify(sent.body.messages)).toContain(marker); // b rebuilt the conversation a stored
});

test("with Redis gone, requests still succeed, uncached", async () => {
  redis!.kill("SIGKILL");
  await redis!.exited;
  redis = null;
  for (const gw of [a, b]) {
    for (const stream of [false, true]) {
      const q = `outage ${crypto.randomUUID()}`;
      const r = await chat(gw, q, "gpu/m", stream);
      expect(r.status).toBe(200);
      expect(r.headers.get("x-wayfront-cache")).toBe("BYPASS");
      if (stream) expect((await readSse(r)).at(-1)!.data).toBe("[DONE]");
      else expect((await r.json()).choices[0].finish_reason).toBe("stop");
    }
  }
  // Stored responses keep working on the instance that stored them.
  const r = await fetch(`${a.v1}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpu/m", input: "offline", store: true }),
  });
  expect(r.status).toBe(200);
  const { id } = await r.json();
  expect((await fetch(`${a.v1}/responses/${id}`)).status).toBe(200);
  expect((await fetch(`${b.v1}/responses/${id}`)).status).toBe(404); // b can't know it now: a clean 404
});
