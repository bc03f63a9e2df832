// The whole HTTP surface, one line per endpoint. Each path also answers without "/v1",
// since clients configured with a bare base URL are the most common set-up mistake.
import type { Api } from "../router/attempt.ts";

export const PROXY_ROUTES: [path: string, api: Api][] = [
  ["/chat/completions", "chat"],
  ["/responses", "responses"],
  ["/completions", "completions"],
  ["/embeddings", "embeddings"],
];

export const PREFIXES = ["/v1", ""];
