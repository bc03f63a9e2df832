// `npm run build:all`: cross-compile the single executable for every supported platform.
// Bun fetches each target's runtime from the npm registry on first use. The flags and the
// start profile are those of `npm run build` (cli/build.ts); the profile, recorded with a
// build for this machine, lays out the bytecode every target shares.
import { compile, withStartProfile } from "./build.ts";

const TARGETS = [
  ["bun-linux-x64", "wayfront-linux-x64"],
  ["bun-linux-arm64", "wayfront-linux-arm64"],
  ["bun-darwin-arm64", "wayfront-darwin-arm64"],
  ["bun-windows-x64", "wayfront-windows-x64.exe"],
] as const;

const failed = await withStartProfile((profile) => {
  let failed = 0;
  for (const [target, out] of TARGETS) {
    const ok = compile(`dist/${out}`, [...profile, `--target=${target}`]);
    if (!ok) failed++;
    console.log(`${ok ? "built" : "FAILED"} dist/${out}`);
  }
  return failed;
});
process.exit(failed ? 1 : 0);
