// A client key as the gateway sees it once verified: who it is and what it may do. Never
// the key itself: only its name travels (logs, metrics labels, the status page).

export interface ClientKey {
  /** The name it was created with: what logs, metrics and the status page show. */
  name: string;
  /** Models (aliases, model names, upstream/model) it may use; null = every one. */
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  dailyBudgetUsd: number | null;
  /** Streams open at once (a runaway agent opening many); null or absent = no limit. */
  maxStreams?: number | null;
  /** May read the admin surface (status page, /status.json, /metrics) from anywhere. */
  admin: boolean;
  /** The cache and stored responses are this key's own unless it shares the common namespace. */
  namespace: string;
}

/** Where keys are kept (SQLite in the data dir; mirrored to Redis when the cache is shared). */
export interface KeyStore {
  /** The key a presented token belongs to, if it is live (not revoked, not expired). Constant-time. */
  verify(token: string): Promise<ClientKey | null>;
  /** Whether any key exists at all (auth mode "auto" requires keys once one does). */
  any(): Promise<boolean>;
  /** Note a use (last used); never waits on the request path. */
  touch(name: string): void;
}
