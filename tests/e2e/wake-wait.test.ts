// while_waking = "wait": the request waits for the sleeping box (a stream meanwhile gets its
// heartbeats) and is served by it; a box that never wakes ends the wait at wake_timeout with a
// 503 naming the wake; a whole request's wait is bounded by routing.deadline too.
import { afterEach, expect, test } from "bun:test";
import { startSleepingBox, type SleepingBox } from "../helpers/sleeping-box.ts";

let box: SleepingBox | undefined;
afterEach(async () => {
  await box?.stop();
  box = undefined;
});

test("a request refused by the sleeping box waits for it to wake and is served locally", async () => {
  // The box wakes when the packet reaches it.
  box = await startSleepingBox({ wake: `while_waking = "wait"\nwake_timeout = "30s"`, onPacket: (b) => void b.gpu.up() });
  box.gpu.down();
  const r = await box.ask("coder");
  expect(r.status).toBe(200);
  expect(r.headers.get("x-wayfront-upstream")).toBe("gpu");
  // The refused attempt, then the one after the wake.
  expect(r.headers.get("x-wayfront-attempts")).toBe("2");
  expect((await r.json()).choices[0].message.content.length).toBeGreaterThan(0);
  expect(box.rx.datagrams).toHaveLength(1);
  expect(await box.events("wake_sent")).toHaveLength(1);
  expect(await box.events("wake_done")).toHaveLength(1);
  expect(box.cloud.requests.filter((q) => q.path.endsWith("/chat/completions"))).toHaveLength(0);
});

test("a stream waiting for the box keeps getting heartbeats, then the box's answer", async () => {
  box = await startSleepingBox({ wake: `while_waking = "wait"\nwake_timeout = "30s"`, sections: `[server]\nheartbeat = "100ms"\n` });
  box.gpu.down();
  await box.gw.gateway.health.probeAll(); // known asleep before the request
  const r = await box.ask("coder", true);
  expect(r.status).toBe(200);
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  // The box wakes only once the packet has arrived and the client has had a heartbeat beyond
  // the early commit's first one: proof the stream was kept alive while it waited.
  for (let woke = false; ; ) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (!woke && box.rx.datagrams.length === 1 && text.split(": wayfront keep-alive").length > 2) {
      woke = true;
      await box.gpu.up();
    }
  }
  expect(text).toContain(": x-wayfront-upstream: gpu");
  expect(text).toContain("data: [DONE]");
  expect(text).not.toContain('"error"');
  expect(await box.events("wake_done")).toHaveLength(1);
});

test("a box that never wakes: the wait ends at wake_timeout with a 503 naming the wake, and wake_failed", async () => {
  box = await startSleepingBox({ wake: `while_waking = "wait"\nwake_timeout = "2s"` });
  box.gpu.down();
  const r = await box.ask("local-only");
  expect(r.status).toBe(503);
  expect(r.headers.get("retry-after")).toBe("2");
  const { error } = await r.json();
  expect(error.code).toBe("upstream_asleep");
  expect(error.message).toContain("Upstream `gpu` is asleep and did not wake: Wake-on-LAN to aa:bb:cc:dd:ee:ff via 127.0.0.1:");
  expect(error.message).toContain("no answer to GET /models within 2 s (wake_timeout)");
  const [failed] = await box.events("wake_failed");
  expect(failed).toMatchObject({ upstream: "gpu", level: "warn", msg: "upstream did not wake" });
  expect(failed.after_s).toBeGreaterThanOrEqual(2);
  expect(box.gw.logs.some((l) => l.includes('"event":"wake_failed"'))).toBe(true);
});

test("after a wake that failed, a route with a cloud target goes on to it", async () => {
  box = await startSleepingBox({ wake: `while_waking = "wait"\nwake_timeout = "1s"` });
  box.gpu.down();
  const r = await box.ask("coder");
  expect(r.status).toBe(200);
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(await box.events("wake_failed")).toHaveLength(1);
});

test("a whole request's wait is bounded by routing.deadline as well", async () => {
  box = await startSleepingBox({ wake: `while_waking = "wait"\nwake_timeout = "3s"`, sections: `[routing]\ndeadline = "1s"\n` });
  box.gpu.down();
  const r = await box.ask("local-only");
  expect(r.status).toBe(504);
  expect((await r.json()).error.code).toBe("deadline_exceeded");
  expect(await box.rx.settle()).toBe(1);
});
