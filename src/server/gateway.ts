// What every handler needs, built once per server.
import type { Config } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import type { Logger } from "../status/log.ts";
import type { Database } from "../db/open.ts";

export interface Gateway {
  config: Config;
  registry: Registry;
  log: Logger;
  version: string;
  /** The one SQLite file in the data dir (stored responses, and whatever else needs it). */
  db: Database;
}
