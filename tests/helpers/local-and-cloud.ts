// The routing tests' usual set-up: a local GPU mock serving "m", a cloud mock serving "big",
// and a gateway in front of both with the given aliases. Active probes are slowed to once an
// hour unless the test sets [health] itself, so only the test's own traffic moves breakers.
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "./gateway.ts";

export interface LocalAndCloud {
  gpu: MockUpstream;
  cloud: MockUpstream;
  gw: TestGateway;
  stop(): Promise<void>;
}

export async function startLocalAndCloud(o: { sections?: string; gpu?: string; models: string }): Promise<LocalAndCloud> {
  const gpu = await startMockUpstream({ models: ["m"] });
  const cloud = await startMockUpstream({ models: ["big"] });
  const sections = o.sections ?? `[health]\ninterval = "1h"\n`;
  const gw = await startTestGateway(
    sections + upstreamToml("gpu", gpu.url, o.gpu ?? "") + upstreamToml("cloud", cloud.url, `tier = "cloud"`) + o.models,
  );
  return {
    gpu,
    cloud,
    gw,
    async stop() {
      await gw.stop();
      await gpu.stop();
      await cloud.stop();
    },
  };
}
