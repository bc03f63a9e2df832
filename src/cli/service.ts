// `wayfront service install [--user] | uninstall | status [--dry-run]`: run the gateway as a
// systemd service (Linux) or a launchd job (macOS). What it writes comes from service-unit.ts;
// the file system and the service manager come in through `ServiceHost`, so tests (and
// --dry-run) see every file and command without touching the machine.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Args } from "./args.ts";
import { UsageError } from "./args.ts";
import { LAUNCHD_LABEL, launchdPlist, SERVICE_USER, systemdUnit } from "./service-unit.ts";

export interface ServiceHost {
  platform: string;
  execPath: string;
  /** False when run from source (`bun src/main.ts`): execPath is then Bun, not Wayfront. */
  compiled: boolean;
  home: string;
  uid: number;
  env: Record<string, string | undefined>;
  /** Runs a command with its output on the terminal; returns the exit code. */
  run(cmd: string[]): number;
  write(path: string, text: string): void;
  remove(path: string): void;
  exists(path: string): boolean;
  out(line: string): void;
}

export interface ServicePlan {
  path: string;
  text: string;
  /** Run before writing the file (the system user), then after it (reload, enable, start). */
  before: string[][];
  after: string[][];
  uninstall: string[][];
  status: string[];
  logs: string;
  needsRoot: boolean;
  notes: string[];
}

/** Where the source build is pointed in a dry run's unit: where the README installs the binary. */
const PLACEHOLDER_BINARY = "/usr/local/bin/wayfront";

export function servicePlan(args: Args, host: ServiceHost): ServicePlan {
  const user = args.service?.user === true;
  const execPath = host.compiled ? host.execPath : PLACEHOLDER_BINARY;
  const flags = ["serve"];
  if (args.config) flags.push("--config", resolve(args.config));
  if (args.host) flags.push("--host", args.host);
  if (args.port !== undefined) flags.push("--port", String(args.port));
  const spec = { execPath, args: flags, user };
  if (host.platform === "darwin") return launchdPlan(spec, host);
  if (host.platform !== "linux") throw new UsageError(`wayfront service supports Linux (systemd) and macOS (launchd), not ${host.platform}`);
  const sc = user ? ["systemctl", "--user"] : ["systemctl"];
  const notes: string[] = [];
  const underHome = [execPath, args.config ? resolve(args.config) : ""].filter((p) => /^\/(home|root)\//.test(p));
  if (!user && underHome.length) {
    notes.push(
      `note: ${underHome.join(" and ")} is under a home directory, which the ${SERVICE_USER} user may not read; copy it to /usr/local/bin or /etc/wayfront`,
    );
  }
  const stateHome = host.env.XDG_STATE_HOME || join(host.home, ".local/state");
  const dataDir = user ? join(stateHome, "wayfront") : "/var/lib/wayfront";
  const asUser = user ? "" : `sudo -u ${SERVICE_USER} `;
  notes.push(
    `client keys: ${asUser}${execPath} keys create --name NAME${args.config ? ` --config ${resolve(args.config)}` : ""} --data-dir ${dataDir}`,
  );
  if (user) notes.push(`to start it at boot without logging in: loginctl enable-linger ${host.env.USER ?? "$USER"}`);
  return {
    path: user
      ? join(host.env.XDG_CONFIG_HOME || join(host.home, ".config"), "systemd/user/wayfront.service")
      : "/etc/systemd/system/wayfront.service",
    text: systemdUnit(spec),
    before: user
      ? []
      : [
          [
            "sh",
            "-c",
            `id -u ${SERVICE_USER} >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /var/lib/wayfront --shell /usr/sbin/nologin ${SERVICE_USER}`,
          ],
        ],
    after: [
      [...sc, "daemon-reload"],
      [...sc, "enable", "wayfront.service"],
      [...sc, "restart", "wayfront.service"],
    ],
    uninstall: [[...sc, "disable", "--now", "wayfront.service"]],
    status: [...sc, "status", "wayfront.service", "--no-pager"],
    logs: user ? "journalctl --user -u wayfront -f" : "journalctl -u wayfront -f",
    needsRoot: !user,
    notes,
  };
}

function launchdPlan(spec: { execPath: string; args: string[]; user: boolean }, host: ServiceHost): ServicePlan {
  const domain = spec.user ? `gui/${host.uid}` : "system";
  const logPath = spec.user ? join(host.home, "Library/Logs/wayfront.log") : "/Library/Logs/wayfront.log";
  const dataDir = spec.user ? join(host.home, "Library/Application Support/wayfront") : "/Library/Application Support/wayfront";
  const path = spec.user ? join(host.home, "Library/LaunchAgents", `${LAUNCHD_LABEL}.plist`) : `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`;
  return {
    path,
    text: launchdPlist({ ...spec, dataDir, logPath }),
    before: [],
    // bootout first: bootstrap refuses a label that is already loaded (an earlier install).
    after: [
      ["sh", "-c", `launchctl bootout ${domain}/${LAUNCHD_LABEL} 2>/dev/null || true`],
      ["launchctl", "bootstrap", domain, path],
    ],
    uninstall: [["launchctl", "bootout", `${domain}/${LAUNCHD_LABEL}`]],
    status: ["launchctl", "print", `${domain}/${LAUNCHD_LABEL}`],
    logs: `tail -f '${logPath}'  (launchd writes the gateway's output there)`,
    needsRoot: !spec.user,
    notes: spec.user ? [] : ["note: a LaunchDaemon runs as root; `--user` (a LaunchAgent) runs as you"],
  };
}

export async function serviceCommand(args: Args, host: ServiceHost = realHost()): Promise<number> {
  const action = args.rest[0];
  if (action !== "install" && action !== "uninstall" && action !== "status") {
    throw new UsageError(`service needs one of: install, uninstall, status${action ? ` (got ${action})` : ""}`);
  }
  const plan = servicePlan(args, host);
  const out = host.out;
  if (action === "status") return args.service?.dryRun ? (out(`$ ${shown(plan.status)}`), 0) : host.run(plan.status);
  if (args.service?.dryRun) return (printPlan(action, plan, host), 0);
  if (action === "install" && !host.compiled) {
    out("wayfront service install: this is Wayfront run from source, so there is no binary for the service to start.");
    out("Build one (`npm run build`, then run `./dist/wayfront service install`), or see the unit with --dry-run.");
    return 1;
  }
  if (plan.needsRoot && host.uid !== 0) {
    out(`wayfront service ${action}: the system service is ${plan.path}, which only root may write.`);
    out(`Run it with sudo (sudo ${host.compiled ? host.execPath : "wayfront"} service ${action}), or use --user for a per-user service.`);
    return 1;
  }
  const run = (cmds: string[][]) => cmds.every((c) => host.run(c) === 0 || (out(`wayfront service: \`${shown(c)}\` failed`), false));
  if (action === "uninstall") {
    const ok = host.exists(plan.path) ? run(plan.uninstall) : true;
    host.remove(plan.path);
    if (host.platform === "linux") run([plan.after[0]]); // daemon-reload: forget the removed unit
    out(`removed ${plan.path}; the data dir is kept`);
    return ok ? 0 : 1;
  }
  if (!run(plan.before)) return 1;
  host.write(plan.path, plan.text);
  out(`wrote ${plan.path}`);
  if (!run(plan.after)) return 1;
  for (const n of plan.notes) out(n);
  out(`logs: ${plan.logs}`);
  return 0;
}

/** A command as one would type it: words with spaces or shell characters in single quotes. */
const shown = (cmd: string[]) => cmd.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`)).join(" ");

function printPlan(action: string, plan: ServicePlan, host: ServiceHost): void {
  const out = host.out;
  if (!host.compiled) out(`# run from source: ExecStart shows ${PLACEHOLDER_BINARY}; install the compiled binary there`);
  if (action === "uninstall") {
    for (const c of plan.uninstall) out(`$ ${shown(c)}`);
    out(`$ rm ${plan.path}`);
    return;
  }
  for (const c of plan.before) out(`$ ${shown(c)}`);
  out(`# ${plan.path}`);
  out(plan.text);
  for (const c of plan.after) out(`$ ${shown(c)}`);
  for (const n of plan.notes) out(n);
  out(`logs: ${plan.logs}`);
}

function realHost(): ServiceHost {
  return {
    platform: process.platform,
    execPath: process.execPath,
    // A compiled executable runs its entry from Bun's embedded file system (bun.sh/docs/bundler/executables).
    compiled: Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN"),
    home: homedir(),
    uid: process.getuid?.() ?? -1,
    env: process.env,
    run: (cmd) => Bun.spawnSync(cmd, { stdout: "inherit", stderr: "inherit" }).exitCode ?? 1,
    write(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { mode: 0o644 });
    },
    remove: (path) => rmSync(path, { force: true }),
    exists: existsSync,
    out: (line) => console.log(line),
  };
}
