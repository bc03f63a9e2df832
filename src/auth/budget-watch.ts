// A budget passing 80 % and 100 %, as events (status/events.ts): checked after each cloud
// charge, once per budget, threshold and period (a new day or month arms it again), so an
// operator hears "80 % of today's cloud budget" before requests start to be refused.
import type { EventSink } from "../status/events.ts";
import type { BudgetLimits } from "./budget.ts";

const THRESHOLDS = [80, 100] as const;

export interface Spend {
  spentToday(key?: string): number;
  spentThisMonth(): number;
}

export function watchBudget(o: {
  events: EventSink;
  spend: Spend;
  limits: BudgetLimits;
  key: { name: string; dailyBudgetUsd: number | null } | null;
  now?: number;
}): void {
  const iso = new Date(o.now ?? Date.now()).toISOString();
  const day = iso.slice(0, 10);
  const checks: [budget: string, key: string | null, period: string, limit: number | null, spent: () => number][] = [
    ["cloud_daily_usd", null, day, o.limits.cloudDailyUsd, () => o.spend.spentToday()],
    ["cloud_monthly_usd", null, iso.slice(0, 7), o.limits.cloudMonthlyUsd, () => o.spend.spentThisMonth()],
  ];
  if (o.key?.dailyBudgetUsd != null) {
    const name = o.key.name;
    checks.push(["key_daily_usd", name, day, o.key.dailyBudgetUsd, () => o.spend.spentToday(name)]);
  }
  for (const [budget, key, period, limit, spent] of checks) {
    if (limit === null || !(limit > 0)) continue;
    const usd = spent();
    // Ascending: one charge that jumps past both thresholds reports both, in order.
    for (const percent of THRESHOLDS) {
      if (usd < (limit * percent) / 100) continue;
      o.events.once(`budget:${budget}:${key ?? ""}:${period}:${percent}`, () => ({
        type: "budget_threshold",
        budget,
        key,
        percent,
        spent_usd: Math.round(usd * 1e6) / 1e6,
        limit_usd: limit,
      }));
    }
  }
}
