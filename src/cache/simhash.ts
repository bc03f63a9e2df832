// 64-bit SimHash (Charikar 2002) over word 3-shingles of already-normalised text.
// Near-identical texts get fingerprints a few bits apart; a reworded prompt lands far away.
// SimHash alone cannot tell "port 8080" from "port 8081" in a long prompt (one shingle of
// many flips few bits), so it is only half of a near match: near.ts also puts the exact
// multiset of significant tokens (numbers, identifiers, file names, code lines) into the
// near key, and the two must both agree. See near.ts.

const BITS = 64;
const MASK = (1n << 64n) - 1n;
const SHINGLE = 3;

export function simhash(normalisedText: string): bigint {
  const tokens = normalisedText.split(" ").filter((t) => t !== "");
  if (tokens.length === 0) return 0n;
  const features: string[] = [];
  if (tokens.length < SHINGLE) features.push(tokens.join(" "));
  else for (let i = 0; i + SHINGLE <= tokens.length; i++) features.push(tokens.slice(i, i + SHINGLE).join(" "));

  const votes = new Int32Array(BITS);
  for (const f of features) {
    const h = BigInt.asUintN(64, BigInt(Bun.hash.wyhash(f)));
    for (let b = 0; b < BITS; b++) votes[b] += (h >> BigInt(b)) & 1n ? 1 : -1;
  }
  let out = 0n;
  for (let b = 0; b < BITS; b++) if (votes[b] > 0) out |= 1n << BigInt(b);
  return out & MASK;
}

/** Number of differing bits between two 64-bit fingerprints. */
export function hamming(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let n = 0;
  while (x !== 0n) {
    x &= x - 1n;
    n++;
  }
  return n;
}
