// The wake tests' set-up: startLocalAndCloud with an [upstream.wake] on the GPU whose packets
// go to a UDP listener on 127.0.0.1 (never a real broadcast), and aliases that try the GPU first.
import { type LocalAndCloud, startLocalAndCloud } from "./local-and-cloud.ts";
import { startUdpListener, type UdpListener } from "./udp-listener.ts";
import { status } from "./wait.ts";

export const BOX_MAC = "aa:bb:cc:dd:ee:ff";
export const MAGIC_HEX = "ffffffffffff" + "aabbccddeeff".repeat(16);

export interface SleepingBox extends LocalAndCloud {
  rx: UdpListener;
  ask(model: string, stream?: boolean): Promise<Response>;
  /** /status.json's events of one type, newest first. */
  events(type: string): Promise<any[]>;
}

/** `wake`: extra keys for [upstream.wake]; `onPacket`: what the box does when a packet arrives. */
export async function startSleepingBox(o: { wake: string; sections?: string; onPacket?: (box: SleepingBox) => void }): Promise<SleepingBox> {
  let box: SleepingBox | undefined;
  const rx = await startUdpListener(() => box && o.onPacket?.(box));
  const env = await startLocalAndCloud({
    sections: `[health]\ninterval = "1h"\n${o.sections ?? ""}`,
    gpu: `[upstream.wake]\nmac = "${BOX_MAC}"\nbroadcast = "127.0.0.1"\nport = ${rx.port}\n${o.wake}\n`,
    models: `[models."coder"]\ntargets = ["gpu/m", "cloud/big"]\n[models."local-only"]\ntargets = ["gpu/m"]\n`,
  });
  box = {
    ...env,
    rx,
    ask: (model, stream = false) =>
      fetch(`${env.gw.v1}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "one two three" }] }),
      }),
    events: async (type) => ((await status(env.gw.url)).events as any[]).filter((e) => e.type === type),
    async stop() {
      await env.stop();
      rx.close();
    },
  };
  return box;
}
