// Budget: may this request still use cloud targets? Only asked when a budget is set (the
// config's, or the caller's key's); what an answer cost is counted when the exchange ends.
import type { Exchange } from "../exchange.ts";
import type { GatewayError } from "../../protocol/errors.ts";
import { damageAnswer } from "../damage.ts";

function budgeted(x: Exchange): boolean {
  const b = x.config.budget;
  return b.cloudDailyUsd !== null || b.cloudMonthlyUsd !== null || x.key?.dailyBudgetUsd != null;
}

/**
 * Spend that cannot be read (a damaged data file, server/damage.ts) blocks the cloud alone:
 * local targets cost nothing, and an unchecked budget must not let cloud spend through.
 */
export function cloudBlocked(x: Exchange): GatewayError | null {
  if (!x.gw.budget || !budgeted(x)) return null;
  try {
    return x.gw.budget.exceeded(x.config.budget, x.key);
  } catch (err) {
    const damaged = damageAnswer(x.gw, err);
    if (damaged) return damaged;
    throw err;
  }
}

/** A budget applies to this request: its spend is read before the check. */
export function needsSpend(x: Exchange): boolean {
  return !!x.gw.budget && budgeted(x);
}

/** With a shared Redis, read the day's spend there first (the check itself stays synchronous). */
export async function refreshSpend(x: Exchange): Promise<void> {
  if (!x.gw.budget || !budgeted(x)) return;
  await x.gw.budget.refresh(x.key?.name);
}
