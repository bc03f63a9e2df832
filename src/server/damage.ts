// A damaged data file met while serving (db/damaged.ts): the request that needed it gets a
// 503 that says so, the operator one event (not a line per request) naming the file and what
// to do. Key checks and budget checks that cannot read their table refuse rather than let a
// request through unchecked.
import type { Gateway } from "./gateway.ts";
import { GatewayError } from "../protocol/errors.ts";
import { isDamage } from "../db/damaged.ts";
import { dbPath } from "../cache/open-store.ts";

export function damageAnswer(gw: Pick<Gateway, "events" | "config">, err: unknown): GatewayError | null {
  if (!isDamage(err)) return null;
  const path = dbPath(gw.config);
  gw.events.once(`data_file_damaged:${path}`, () => ({ type: "data_file_damaged", path, reason: err.message }));
  return new GatewayError("no_capacity", "The gateway cannot read its data file (it is damaged); its operator has been told. Retry later.", {
    code: "data_file_damaged",
  });
}
