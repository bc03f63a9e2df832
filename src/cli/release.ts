// `npm run release`: the four binaries of `build:all`, then dist/SHA256SUMS in sha256sum's
// own format ("<hex>  <name>", two spaces: text mode), so a download is checked with
// `sha256sum -c SHA256SUMS` (or `shasum -a 256 -c SHA256SUMS` on macOS).
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The SHA256SUMS text for these files of `dir`, sorted by name as sha256sum users expect. */
export async function sha256Sums(dir: string, names: string[]): Promise<string> {
  const rows: string[] = [];
  for (const name of [...names].sort()) {
    const hasher = new Bun.CryptoHasher("sha256");
    // Streamed: a compiled binary is ~60-100 MB, and a Pi building one has little memory to spare.
    for await (const chunk of Bun.file(join(dir, name)).stream()) hasher.update(chunk);
    rows.push(`${hasher.digest("hex")}  ${name}`);
  }
  return rows.map((r) => `${r}\n`).join("");
}

/** What a release ships: the cross-compiled binaries (not the host build `dist/wayfront`). */
export function releaseFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith("wayfront-"));
}

if (import.meta.main) {
  const build = Bun.spawnSync([process.execPath, join(import.meta.dir, "build-all.ts")], { stdout: "inherit", stderr: "inherit" });
  if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
  const files = releaseFiles("dist");
  writeFileSync(join("dist", "SHA256SUMS"), await sha256Sums("dist", files));
  console.log(`wrote dist/SHA256SUMS for ${files.join(", ")}; check with: cd dist && sha256sum -c SHA256SUMS`);
}
