// Admit: who is calling, and may they? Before the body is even read (auth/admit.ts decides).
import { promptTokens, type Exchange } from "../exchange.ts";
import { admit as decide, mayUse, modelNotAllowed } from "../../auth/admit.ts";
import { RateLimits } from "../../auth/limits.ts";
import { needsSpend, refreshSpend } from "./budget.ts";
import { GatewayError } from "../../protocol/errors.ts";
import { LocalStreamSlots } from "../../auth/streams.ts";

export async function admit(x: Exchange): Promise<void> {
  const a = await decide({ headers: x.request.headers, remote: x.remote, auth: x.config.auth, store: x.gw.keys ?? null });
  if (!a.ok) throw a.error;
  x.key = a.key;
}

/**
 * After parsing: a key limited to some models may not ask for another, and a key with rate
 * limits is charged this request (its prompt's estimated tokens, corrected when it ends).
 * With a shared Redis both the limits and the cloud spend (read for the budget stage) are
 * asked there, each under Redis's deadline.
 */
export async function allowModel(x: Exchange): Promise<void> {
  if (!mayUse(x.key, x.body.model)) throw modelNotAllowed(x.body.model);
  const key = x.key;
  if (key && (key.rpm !== null || key.tpm !== null)) {
    x.gw.limits ??= new RateLimits();
    x.charge = await x.gw.limits.admit(key, promptTokens(x));
  }
  // Each only when it applies: most requests have neither, and an async call is a frame each.
  if (x.key?.maxStreams && x.body.stream) await openStream(x);
  if (needsSpend(x)) await refreshSpend(x);
}

/**
 * A key's streams open at once (a runaway loop that opens many): counted from here until the
 * exchange ends (exchange.ts gives the slot back), however it ends.
 */
async function openStream(x: Exchange): Promise<void> {
  const max = x.key?.maxStreams;
  if (!max || !x.body.stream) return;
  x.gw.streams ??= new LocalStreamSlots();
  const slot = await x.gw.streams.open(x.key!.name, max);
  if (!slot) {
    throw new GatewayError("rate_limited", `This client key may have ${max} stream${max === 1 ? "" : "s"} open at once; one must end first.`, {
      code: "rate_limit_streams",
      headers: { "retry-after": "1" },
    });
  }
  x.streamSlot = slot;
}
