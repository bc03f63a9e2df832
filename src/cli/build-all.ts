// `npm run build:all`: cross-compile the single executable for every supported platform.
// Bun fetches each target's runtime from the npm registry on first use.
const TARGETS = [
  ["bun-linux-x64", "wayfront-linux-x64"],
  ["bun-linux-arm64", "wayfront-linux-arm64"],
  ["bun-darwin-arm64", "wayfront-darwin-arm64"],
  ["bun-windows-x64", "wayfront-windows-x64.exe"],
] as const;

let failed = 0;
for (const [target, out] of TARGETS) {
  const proc = Bun.spawnSync(
    [process.execPath, "build", "src/main.ts", "--compile", "--minify", "--bytecode", `--target=${target}`, "--outfile", `dist/${out}`],
    { stdout: "inherit", stderr: "inherit" },
  );
  if (proc.exitCode !== 0) failed++;
  console.log(`${proc.exitCode === 0 ? "built" : "FAILED"} dist/${out}`);
}
process.exit(failed ? 1 : 0);
