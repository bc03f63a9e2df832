// The default sink (stdout) writes a turn's lines together, flushed as the turn ends: checked in
// a process of its own, whose stdout is a pipe this test reads.
import { expect, test } from "bun:test";
import { join } from "node:path";

const LOG = join(import.meta.dir, "../../../src/status/log.ts");

async function run(script: string): Promise<string[]> {
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return out.split("\n").filter(Boolean);
}

test("lines of one turn all arrive, in order, flushed as the turn ends; a later turn's follow", async () => {
  const lines = await run(`
    import { Logger } from ${JSON.stringify(LOG)};
    const log = new Logger("info", false);
    for (let i = 0; i < 3; i++) log.event("info", "line", { i });
    setTimeout(() => { log.event("warn", "later", {}); }, 20);
  `);
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["line", "line", "line", "later"]);
  expect(lines.slice(0, 3).map((l) => JSON.parse(l).i)).toEqual([0, 1, 2]);
});

test("a line logged just before process.exit is not lost", async () => {
  const lines = await run(`
    import { Logger } from ${JSON.stringify(LOG)};
    const log = new Logger("info", false);
    log.event("info", "last words", {});
    process.exit(0);
  `);
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["last words"]);
});
