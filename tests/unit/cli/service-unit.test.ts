// The unit and plist texts: the hardening lines, systemd's own verifier (where the machine has
// it), and the plist as well-formed XML with the arguments in order.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Window } from "happy-dom";
import { launchdPlist, systemdUnit } from "../../../src/cli/service-unit.ts";

const dir = mkdtempSync(join(tmpdir(), "wf-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lines = (text: string) => text.split("\n");

describe("systemd unit", () => {
  const system = systemdUnit({ execPath: "/usr/local/bin/wayfront", args: ["serve", "--config", "/etc/wayfront/config.toml"], user: false });
  const user = systemdUnit({ execPath: "/opt/wf/wayfront", args: ["serve"], user: true });

  test("the system unit is hardened, runs as its own user and keeps its data in StateDirectory", () => {
    for (const l of [
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=read-only",
      "PrivateTmp=yes",
      "StateDirectory=wayfront",
      "User=wayfront",
      "Environment=BUN_CONFIG_MAX_HTTP_REQUESTS=4096",
      "Restart=on-failure",
      "CapabilityBoundingSet=",
      "WantedBy=multi-user.target",
      "ExecStart=/usr/local/bin/wayfront serve --config /etc/wayfront/config.toml --data-dir=%S/wayfront",
    ]) {
      expect(lines(system)).toContain(l);
    }
  });

  test("the user unit has what a user manager can apply, and starts with the user's session", () => {
    for (const l of ["NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "StateDirectory=wayfront", "WantedBy=default.target"]) {
      expect(lines(user)).toContain(l);
    }
    expect(user).not.toContain("User=");
    expect(user).not.toContain("ProtectHome");
  });

  test("a path with spaces or % is quoted and escaped; a port below 1024 gets only CAP_NET_BIND_SERVICE", () => {
    const u = systemdUnit({ execPath: "/opt/w f/wayfront", args: ["serve", "--config", "/etc/100%.toml", "--port", "80"], user: false });
    expect(lines(u)).toContain('ExecStart="/opt/w f/wayfront" serve --config /etc/100%%.toml --port 80 --data-dir=%S/wayfront');
    expect(lines(u)).toContain("CapabilityBoundingSet=CAP_NET_BIND_SERVICE");
  });

  // verify exits 0 even on unknown keys or bad values; it names the file in a warning instead.
  const analyze = Bun.which("systemd-analyze");
  test.skipIf(!analyze)("systemd-analyze verify accepts both units without a warning", () => {
    const exe = join(dir, "wayfront");
    writeFileSync(exe, "#!/bin/sh\n");
    chmodSync(exe, 0o755);
    const runtime = join(dir, "runtime");
    mkdirSync(runtime, { mode: 0o700 });
    mkdirSync(join(dir, "user"));
    for (const [unit, path, flags] of [
      [systemdUnit({ execPath: exe, args: ["serve", "--port", "4141"], user: false }), join(dir, "wayfront.service"), []],
      [systemdUnit({ execPath: exe, args: ["serve"], user: true }), join(dir, "user", "wayfront.service"), ["--user"]],
    ] as const) {
      writeFileSync(path, unit);
      const r = Bun.spawnSync([analyze!, ...flags, "verify", path], { env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
      const warnings = r.stderr
        .toString()
        .split("\n")
        .filter((l) => l.includes(path));
      expect({ code: r.exitCode, warnings }).toEqual({ code: 0, warnings: [] });
    }
  });
  if (!analyze) console.log("skipped: systemd-analyze is not installed here, so the units were not verified by systemd");
});

test("the launchd plist is well-formed XML with the program's arguments in order", () => {
  const text = launchdPlist({
    execPath: "/Users/me/bin/wayfront",
    args: ["serve", "--config", "/Users/me/a&b <c>.toml"],
    user: true,
    dataDir: "/Users/me/Library/Application Support/wayfront",
    logPath: "/Users/me/Library/Logs/wayfront.log",
  });
  const doc = new new Window().DOMParser().parseFromString(text, "application/xml");
  expect(doc.querySelectorAll("parsererror").length).toBe(0);
  expect(doc.documentElement.tagName).toBe("plist");
  const args = [...doc.querySelectorAll("array > string")].map((e) => e.textContent);
  expect(args).toEqual([
    "/Users/me/bin/wayfront",
    "serve",
    "--config",
    "/Users/me/a&b <c>.toml",
    "--data-dir",
    "/Users/me/Library/Application Support/wayfront",
  ]);
  const keys = [...doc.querySelectorAll("plist > dict > key")].map((e) => e.textContent);
  expect(keys).toEqual([
    "Label",
    "ProgramArguments",
    "RunAtLoad",
    "KeepAlive",
    "EnvironmentVariables",
    "ThrottleInterval",
    "StandardOutPath",
    "StandardErrorPath",
  ]);
  // Bun's fetch reads its concurrency limit only at start: the job sets it (upstream/fetch-cap.ts).
  const env = [...doc.querySelectorAll("plist > dict > dict > key")].map((e) => e.textContent);
  expect(env).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS");
  // The checker itself: a broken document is reported.
  expect(new new Window().DOMParser().parseFromString("<plist><dict></plist>", "application/xml").querySelectorAll("parsererror").length).toBe(1);
});
