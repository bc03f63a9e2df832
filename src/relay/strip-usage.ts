// The stage that drops the usage events only the gateway asked for (transforms.ts asked the
// upstream for them so tokens can be counted; the client did not).
import type { Payload } from "../protocol/apis.ts";
import { includesAscii } from "../protocol/bytes.ts";
import { Batch } from "./frames.ts";
import type { Stage } from "./stream.ts";

export function stripUsageStage(strip: <E extends Payload>(events: E[]) => E[] | null): Stage {
  return {
    name: "strip-usage",
    push(b) {
      if (!includesAscii(b.bytes, '"usage"')) return { out: b };
      const kept = strip(b.events);
      if (!kept) return { out: b };
      return { out: Batch.encode(kept) };
    },
  };
}
