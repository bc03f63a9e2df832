// `wayfront service` against a fake host: which file it writes, which commands it runs and in
// what order, and what it refuses, without touching the machine's service manager.
import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../../src/cli/args.ts";
import { type ServiceHost, serviceCommand } from "../../../src/cli/service.ts";

function fakeHost(over: Partial<ServiceHost> = {}) {
  const ran: string[] = [];
  const files = new Map<string, string>();
  const lines: string[] = [];
  const host: ServiceHost = {
    platform: "linux",
    execPath: "/usr/local/bin/wayfront",
    compiled: true,
    home: "/home/pi",
    uid: 0,
    env: { USER: "pi" },
    run: (cmd) => (ran.push(cmd.join(" ")), 0),
    write: (p, t) => void files.set(p, t),
    remove: (p) => void files.delete(p),
    exists: (p) => files.has(p),
    out: (l) => void lines.push(l),
    ...over,
  };
  return { host, ran, files, lines, text: () => lines.join("\n") };
}

const service = (argv: string, h: ServiceHost) => serviceCommand(parseArgs(["service", ...argv.split(" ").filter(Boolean)]), h);

describe("Linux", () => {
  test("install as root: the system user, the unit, then reload, enable and restart; it says how to read the logs", async () => {
    const f = fakeHost();
    expect(await service("install --config /etc/wayfront/config.toml --host 0.0.0.0", f.host)).toBe(0);
    const unit = f.files.get("/etc/systemd/system/wayfront.service")!;
    expect(unit).toContain("ExecStart=/usr/local/bin/wayfront serve --config /etc/wayfront/config.toml --host 0.0.0.0 --data-dir=%S/wayfront");
    expect(f.ran[0]).toContain("useradd --system");
    expect(f.ran.slice(1)).toEqual(["systemctl daemon-reload", "systemctl enable wayfront.service", "systemctl restart wayfront.service"]);
    expect(f.text()).toContain("logs: journalctl -u wayfront -f");
    expect(f.text()).toContain(
      "sudo -u wayfront /usr/local/bin/wayfront keys create --name NAME --config /etc/wayfront/config.toml --data-dir /var/lib/wayfront",
    );
  });

  test("install without root is refused, saying why and what to run, and writes nothing", async () => {
    const f = fakeHost({ uid: 1000 });
    expect(await service("install", f.host)).toBe(1);
    expect(f.files.size).toBe(0);
    expect(f.ran).toEqual([]);
    expect(f.text()).toContain("only root may write");
    expect(f.text()).toContain("sudo /usr/local/bin/wayfront service install");
    expect(f.text()).toContain("--user");
  });

  test("--user: the unit in ~/.config/systemd/user, systemctl --user, linger advice, the user journal", async () => {
    const f = fakeHost({ uid: 1000 });
    expect(await service("install --user", f.host)).toBe(0);
    expect(f.files.has("/home/pi/.config/systemd/user/wayfront.service")).toBe(true);
    expect(f.ran).toEqual([
      "systemctl --user daemon-reload",
      "systemctl --user enable wayfront.service",
      "systemctl --user restart wayfront.service",
    ]);
    expect(f.text()).toContain("loginctl enable-linger pi");
    expect(f.text()).toContain("logs: journalctl --user -u wayfront -f");
    expect(f.text()).toContain("--data-dir /home/pi/.local/state/wayfront");
  });

  test("run from source: install refuses; --dry-run prints the unit and the commands instead", async () => {
    const f = fakeHost({ compiled: false, execPath: "/work/node_modules/bun/bin/bun.exe" });
    expect(await service("install", f.host)).toBe(1);
    expect(f.text()).toContain("run from source");
    expect(f.files.size).toBe(0);

    const d = fakeHost({ compiled: false, uid: 1000 });
    expect(await service("install --dry-run", d.host)).toBe(0);
    expect(d.files.size).toBe(0);
    expect(d.ran).toEqual([]);
    expect(d.text()).toContain("# /etc/systemd/system/wayfront.service");
    expect(d.text()).toContain("ExecStart=/usr/local/bin/wayfront serve --data-dir=%S/wayfront");
    expect(d.text()).toContain("NoNewPrivileges=yes");
    expect(d.text()).toContain("$ systemctl enable wayfront.service");
  });

  test("uninstall disables it, removes the unit and reloads; status hands over to systemctl", async () => {
    const f = fakeHost();
    await service("install", f.host);
    f.ran.length = 0;
    expect(await service("uninstall", f.host)).toBe(0);
    expect(f.files.size).toBe(0);
    expect(f.ran).toEqual(["systemctl disable --now wayfront.service", "systemctl daemon-reload"]);
    const s = fakeHost({ run: (cmd) => (cmd.join(" ") === "systemctl status wayfront.service --no-pager" ? 3 : 0) });
    expect(await service("status", s.host)).toBe(3); // systemctl's "not running"
  });

  test("a failing systemctl stops the install with the command named", async () => {
    const f = fakeHost({ run: (cmd) => (cmd.includes("enable") ? 1 : 0) });
    expect(await service("install", f.host)).toBe(1);
    expect(f.text()).toContain("`systemctl enable wayfront.service` failed");
  });
});

describe("macOS", () => {
  test("--user: a LaunchAgent plist, bootstrapped into the GUI domain, logs in ~/Library/Logs", async () => {
    const f = fakeHost({ platform: "darwin", home: "/Users/me", uid: 501 });
    expect(await service("install --user", f.host)).toBe(0);
    const plist = f.files.get("/Users/me/Library/LaunchAgents/dev.wayfront.plist")!;
    expect(plist).toContain("<string>/Users/me/Library/Application Support/wayfront</string>");
    expect(f.ran.at(-1)).toBe("launchctl bootstrap gui/501 /Users/me/Library/LaunchAgents/dev.wayfront.plist");
    expect(f.text()).toContain("tail -f '/Users/me/Library/Logs/wayfront.log'");
  });

  test("without --user: a LaunchDaemon, which needs root", async () => {
    const f = fakeHost({ platform: "darwin", home: "/Users/me", uid: 501 });
    expect(await service("install", f.host)).toBe(1);
    expect(f.text()).toContain("/Library/LaunchDaemons/dev.wayfront.plist");
  });
});

test("usage: an unknown action, another platform, and --user outside `service`", async () => {
  await expect(service("restart", fakeHost().host)).rejects.toThrow("service needs one of: install, uninstall, status (got restart)");
  await expect(service("install", fakeHost({ platform: "win32" }).host)).rejects.toThrow("not win32");
  expect(() => parseArgs(["serve", "--user"])).toThrow("--user is an option of `wayfront service`");
});
