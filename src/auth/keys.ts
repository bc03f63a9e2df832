// Client keys as the admin sees them: the stored record (never the key, only a prefix), what
// `create` takes, and the errors the CLI turns into exit codes. Storage is auth/key-store.ts.
import type { ClientKey } from "./key.ts";

/** The namespace every key shares when created with `shared` (and callers without a key). */
export const SHARED_NAMESPACE = "default";

/** Same shape as upstream names: safe in logs, metrics labels and a namespace. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const KEY_NAME_MAX = 64;

/** One stored key without any secret: what `keys list` shows. Times are epoch milliseconds. */
export interface KeyRecord {
  name: string;
  /** The first 8 characters after `wf-`: an identifier, not a secret. */
  prefix: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  dailyBudgetUsd: number | null;
  maxStreams: number | null;
  admin: boolean;
  shared: boolean;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface NewKey {
  name: string;
  /** Models it may use; null or absent = every one. */
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  dailyBudgetUsd?: number | null;
  maxStreams?: number | null;
  /** Lifetime from now; null or absent = never expires. */
  expiresInMs?: number | null;
  admin?: boolean;
  /** Use the common cache/stored-responses namespace instead of its own. */
  shared?: boolean;
}

/** `create` with a name already taken (also by a revoked key, or a key from the config). */
export class KeyExistsError extends Error {
  constructor(
    readonly keyName: string,
    detail = "",
  ) {
    super(`a key named "${keyName}" already exists${detail}`);
  }
}

/** `revoke` / `rotate` of a name no stored key has. */
export class UnknownKeyError extends Error {
  constructor(readonly keyName: string) {
    super(`no key named "${keyName}"`);
  }
}

/** `rotate` of a revoked key (revocation is final; create a new key instead). */
export class KeyRevokedError extends Error {
  constructor(readonly keyName: string) {
    super(`the key "${keyName}" is revoked; create a new key instead`);
  }
}

/** Bad input to `create` (the CLI checks its flags first; this guards other callers). */
export class KeyInputError extends Error {}

export function keyNamespace(name: string, shared: boolean): string {
  return shared ? SHARED_NAMESPACE : `key:${name}`;
}

export type KeyStatus = "active" | "expired" | "revoked";

export function keyStatus(r: Pick<KeyRecord, "expiresAt" | "revokedAt">, now: number): KeyStatus {
  if (r.revokedAt !== null) return "revoked";
  if (r.expiresAt !== null && r.expiresAt <= now) return "expired";
  return "active";
}

export function toClientKey(
  r: Pick<KeyRecord, "name" | "models" | "rpm" | "tpm" | "dailyBudgetUsd" | "admin" | "shared"> & { maxStreams?: number | null },
): ClientKey {
  return {
    name: r.name,
    models: r.models ? [...r.models] : null,
    rpm: r.rpm,
    tpm: r.tpm,
    dailyBudgetUsd: r.dailyBudgetUsd,
    maxStreams: r.maxStreams ?? null,
    admin: r.admin,
    namespace: keyNamespace(r.name, r.shared),
  };
}

/** Throws KeyInputError naming the first bad field. */
export function checkNewKey(k: NewKey): void {
  if (typeof k.name !== "string" || !KEY_NAME_PATTERN.test(k.name) || k.name.length > KEY_NAME_MAX) {
    throw new KeyInputError(
      `the key name must be 1-${KEY_NAME_MAX} letters, digits, "_", "." or "-", starting with a letter or digit (got ${JSON.stringify(k.name)})`,
    );
  }
  if (k.models != null) {
    if (!Array.isArray(k.models) || k.models.length === 0 || k.models.some((m) => typeof m !== "string" || m.trim() === "")) {
      throw new KeyInputError("models must be a non-empty list of model names");
    }
  }
  for (const [field, v] of [
    ["rpm", k.rpm],
    ["tpm", k.tpm],
  ] as const) {
    if (v != null && (!Number.isSafeInteger(v) || v <= 0)) throw new KeyInputError(`${field} must be a positive whole number (got ${v})`);
  }
  if (k.dailyBudgetUsd != null && (!Number.isFinite(k.dailyBudgetUsd) || k.dailyBudgetUsd <= 0)) {
    throw new KeyInputError(`the daily budget must be a positive number of USD (got ${k.dailyBudgetUsd})`);
  }
  if (k.expiresInMs != null && (!Number.isFinite(k.expiresInMs) || k.expiresInMs <= 0)) {
    throw new KeyInputError(`the lifetime must be a positive duration (got ${k.expiresInMs} ms)`);
  }
}
