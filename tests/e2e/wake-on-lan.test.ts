// Wake-on-LAN for a sleeping local box: the packet's bytes as they arrive over UDP, at most
// one per wake_interval, "waking since" on the status page, and while_waking = "cloud".
import { afterEach, expect, test } from "bun:test";
import { MAGIC_HEX, startSleepingBox, type SleepingBox } from "../helpers/sleeping-box.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

let box: SleepingBox | undefined;
afterEach(async () => {
  await box?.stop();
  box = undefined;
});

test("a request for the down box sends the 102-byte magic packet; another within wake_interval sends none", async () => {
  box = await startSleepingBox({ wake: `while_waking = "cloud"\nwake_interval = "1h"\nwake_timeout = "300ms"` });
  box.gpu.down();
  const first = await box.ask("coder");
  expect(first.status).toBe(200);
  expect(first.headers.get("x-wayfront-upstream")).toBe("cloud");
  const packet = await box.rx.nth(1);
  expect(packet.length).toBe(102);
  expect(Buffer.from(packet).toString("hex")).toBe(MAGIC_HEX);
  // The first wake is over (the box never answered), so the second request starts a wake of its own.
  const b = box;
  await until(
    () => b.events("wake_failed"),
    (e) => e.length === 1,
    "the first wake to give up",
  );
  const second = await box.ask("coder");
  expect(second.headers.get("x-wayfront-upstream")).toBe("cloud");
  await until(
    () => b.events("wake_failed"),
    (e) => e.length === 2,
    "the second wake to give up",
  );
  expect(await box.rx.settle()).toBe(1);
  const sent = await box.events("wake_sent");
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({ upstream: "gpu", mac: "aa:bb:cc:dd:ee:ff", broadcast: `127.0.0.1:${box.rx.port}`, level: "info" });
  expect(box.gw.logs.some((l) => l.includes('"event":"wake_sent"'))).toBe(true);
});

test('"cloud": served by the cloud at once while the box wakes; once it is up, requests go local', async () => {
  box = await startSleepingBox({ wake: `while_waking = "cloud"\nwake_timeout = "30s"`, onPacket: (b) => void b.gpu.up() });
  box.gpu.down();
  const meanwhile = await box.ask("coder");
  expect(meanwhile.status).toBe(200);
  expect(meanwhile.headers.get("x-wayfront-upstream")).toBe("cloud");
  const b = box;
  const [done] = await until(
    () => b.events("wake_done"),
    (e) => e.length === 1,
    "the box to answer",
  );
  expect(done).toMatchObject({ upstream: "gpu", msg: "upstream woke up" });
  expect(typeof done.woke_in_s).toBe("number");
  const later = await box.ask("coder");
  expect(later.status).toBe(200);
  expect(later.headers.get("x-wayfront-upstream")).toBe("gpu");
  expect(upstreamStatus(await status(box.gw.url), "gpu").circuit).toBe("closed");
});

test('while it wakes, the status page says "waking since" and /status.json has the wake', async () => {
  box = await startSleepingBox({ wake: `while_waking = "cloud"\nwake_timeout = "30s"` });
  box.gpu.down();
  // Known down from a probe this time, not from a refused request.
  await box.gw.gateway.health.probeAll();
  expect((await box.ask("coder")).headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(box.gpu.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(0);
  const gpu = upstreamStatus(await status(box.gw.url), "gpu");
  expect(gpu.wake).toMatchObject({ mac: "aa:bb:cc:dd:ee:ff", broadcast: `127.0.0.1:${box.rx.port}`, while_waking: "cloud" });
  expect(gpu.wake.waking_since).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(gpu.wake.last_sent).toMatch(/^\d{4}-\d\d-\d\dT/);
  const page = await (await fetch(`${box.gw.url}/status`)).text();
  expect(page).toContain(`waking since ${gpu.wake.waking_since.slice(11, 19)} UTC`);
  expect(page).toContain("wake-on-LAN packet sent");
  // The box wakes; the page stops saying so.
  await box.gpu.up();
  const b = box;
  await until(
    () => status(b.gw.url),
    (s) => upstreamStatus(s, "gpu").wake.waking_since === null,
    "the wake to end",
  );
  expect(await (await fetch(`${box.gw.url}/status`)).text()).not.toContain("waking since");
});

test("a box that answers is never woken", async () => {
  box = await startSleepingBox({ wake: `while_waking = "wait"` });
  const r = await box.ask("coder");
  expect(r.headers.get("x-wayfront-upstream")).toBe("gpu");
  expect(await box.rx.settle()).toBe(0);
  expect(await box.events("wake_sent")).toHaveLength(0);
  expect(upstreamStatus(await status(box.gw.url), "gpu").wake.last_sent).toBeNull();
});
