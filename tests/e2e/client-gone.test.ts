// A client that hangs up before a whole (non-streamed) answer is in: the gateway cancels its
// upstream request (a local GPU stops generating for nobody) and counts it as the client's
// doing. The gateway follows the client's signal by looking at it (upstream/abort-watch.ts),
// so this is noticed within its sweep, not at once: the wait below is bounded, not timed.
import { expect, test } from "bun:test";
import { mockGateway } from "../helpers/mock-gateway.ts";
import { until } from "../helpers/wait.ts";
import { watchedCount } from "../../src/upstream/abort-watch.ts";

const { mock, gw } = mockGateway();

const whole = (model: string, signal?: AbortSignal) =>
  fetch(`${gw().v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    signal,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "take your time" }] }),
  });

test("a client that leaves before a whole answer's headers cancels the upstream request", async () => {
  const ctl = new AbortController();
  const pending = whole("gpu/m+slow-first:20000", ctl.signal).catch((e: Error) => e);
  await until(
    async () => mock().requests.filter((r) => r.path.endsWith("/chat/completions")).length,
    (n) => n > 0,
    "the upstream to get the request",
  );
  expect(watchedCount()).toBe(1);
  ctl.abort();
  expect(await pending).toBeInstanceOf(Error);
  const rec = await mock().waitForAbort("/chat/completions");
  expect(rec.aborted).toBe(true);
  // …and logged as the client's doing (nginx's 499), not as the upstream failing.
  await until(
    async () => gw().logs.filter((l) => l.includes('"msg":"request"')),
    (lines) => lines.some((l) => JSON.parse(l).status === 499),
    "the request's log line",
  );
  expect(watchedCount()).toBe(0);
});

test("answers that end are no longer watched: nothing is kept for them", async () => {
  for (let i = 0; i < 5; i++) expect((await whole("gpu/m")).status).toBe(200);
  // In-process gateway: the watch set is this process's own.
  expect(watchedCount()).toBe(0);
});
