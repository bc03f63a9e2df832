// Client key tokens: `wf-` + 32 bytes from the CSPRNG in base62 (43 characters, no `-` or `_`,
// so a double-click selects the whole key). Only SHA-256 of a token is ever stored.
//
// Why a plain SHA-256 and not a slow KDF (scrypt, argon2): a slow hash protects guessable
// secrets (passwords) from offline guessing. These tokens carry 256 bits of randomness, so a
// stolen hash cannot be brute-forced at any speed, and a fast hash keeps verification cheap
// enough to run on every request.
//
// The hash and the random bytes come from Bun and Web Crypto: node:crypto (built on node
// streams) cost the compiled binary's start about 3 ms and 1.5 MiB, and most gateways never
// verify a key. Its constant-time compare is loaded on the first verification, and called
// through the module object so tests can observe that path.
let nodeCrypto: typeof import("node:crypto") | undefined;
const constantTime = () => (nodeCrypto ??= require("node:crypto") as typeof import("node:crypto"));

export const TOKEN_PREFIX = "wf-";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 62^43 > 2^256, so 43 base62 digits hold any 32 bytes. */
const BODY_LENGTH = 43;
/** Characters after `wf-` kept as a non-secret identifier (what `keys list` shows). */
export const PREFIX_LENGTH = 8;
const SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${BODY_LENGTH}}$`);

/** A new random token. */
export function generateToken(): string {
  return TOKEN_PREFIX + base62(crypto.getRandomValues(new Uint8Array(32)));
}

/** Whether `token` has the shape generateToken makes (says nothing about whether it is live). */
export function isTokenShape(token: string): boolean {
  return SHAPE.test(token);
}

/** SHA-256 of the token's UTF-8 bytes. */
export function hashToken(token: string): Buffer {
  return new Bun.CryptoHasher("sha256").update(token, "utf8").digest();
}

/** The stored form of the hash: lowercase hex. */
export function hashTokenHex(token: string): string {
  return hashToken(token).toString("hex");
}

/** The non-secret identifier: the first 8 characters after `wf-`. */
export function tokenPrefix(token: string): string {
  const body = token.startsWith(TOKEN_PREFIX) ? token.slice(TOKEN_PREFIX.length) : token;
  return body.slice(0, PREFIX_LENGTH);
}

/** Constant-time equality of two hashes (false, not a throw, when the lengths differ). */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return constantTime().timingSafeEqual(a, b);
}

function base62(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
  let out = "";
  for (let i = 0; i < BODY_LENGTH; i++) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}
