// One mock upstream ("gpu", serving model "m") and a gateway in front of it, started before a
// file's tests and stopped after them.
import { afterAll, beforeAll } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "./gateway.ts";

export function mockGateway(): { mock: () => MockUpstream; gw: () => TestGateway } {
  let mock: MockUpstream | null = null;
  let gw: TestGateway | null = null;
  beforeAll(async () => {
    mock = await startMockUpstream({ models: ["m"] });
    gw = await startTestGateway(upstreamToml("gpu", mock.url, `models = ["m"]`));
  });
  afterAll(async () => {
    await gw?.stop();
    await mock?.stop();
  });
  return { mock: () => mock!, gw: () => gw! };
}
