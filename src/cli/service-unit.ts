// The text of the service definitions `wayfront service install` writes: a systemd unit
// (Linux) and a launchd property list (macOS). Pure functions of what to run, so tests check
// them and `systemd-analyze verify` them without touching the machine.
import { DEFAULT_MAX_UPSTREAM_REQUESTS } from "../config/defaults.ts";
import { BUN_MAX_HTTP_ENV } from "../upstream/fetch-cap.ts";

export interface ServiceSpec {
  /** Absolute path of the compiled wayfront binary. */
  execPath: string;
  /** Arguments after the binary: `serve` and the flags install was given. */
  args: string[];
  /** A per-user service (systemd --user, a LaunchAgent) instead of a system one. */
  user: boolean;
}

/** The account the system unit runs as: created by install, so `sudo -u wayfront wayfront keys …` reaches the same files. */
export const SERVICE_USER = "wayfront";
export const LAUNCHD_LABEL = "dev.wayfront";

// systemd.syntax(7): a word with spaces or quotes is double-quoted with C escapes, and "%"
// starts a specifier (systemd.unit(5)) unless doubled. `%S/wayfront` below is meant as one.
function systemdWord(w: string): string {
  if (w === "--data-dir=%S/wayfront") return w;
  const escaped = w.replaceAll("%", "%%");
  return /[\s"'\\;]/.test(escaped) ? `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : escaped;
}

// Ports below 1024 need this one capability; everything else runs with none.
function capabilities(args: string[]): string[] {
  const i = args.indexOf("--port");
  const port = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  if (port > 0 && port < 1024) return ["AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"];
  return ["CapabilityBoundingSet="];
}

export function systemdUnit(spec: ServiceSpec): string {
  // %S is /var/lib for the system manager and ~/.local/state for a user's: StateDirectory's parent.
  const exec = [spec.execPath, ...spec.args, "--data-dir=%S/wayfront"].map(systemdWord).join(" ");
  const common = [
    "[Unit]",
    "Description=Wayfront: gateway for AI coding agents (local GPU first, cloud fallback)",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
    // Cloud keys (api_key_env) and client keys read from the environment live here, never in the unit.
    `EnvironmentFile=-${spec.user ? "%h/.config/wayfront/env" : "/etc/wayfront/env"}`,
    // Bun's fetch reads its concurrency limit only at start (upstream/fetch-cap.ts).
    `Environment=${BUN_MAX_HTTP_ENV}=${DEFAULT_MAX_UPSTREAM_REQUESTS}`,
    "Restart=on-failure",
    "RestartSec=5",
    // SIGTERM lets streams in flight finish for up to 10 s (README "Command line").
    "TimeoutStopSec=20",
    "StateDirectory=wayfront",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "PrivateTmp=yes",
  ];
  if (spec.user) {
    // In a user manager the sandboxing lines need unprivileged user namespaces (systemd.exec(5),
    // PrivateUsers=), on by default in Debian 11+ and Raspberry Pi OS; the rest need root.
    return [...common, "", "[Install]", "WantedBy=default.target", ""].join("\n");
  }
  return [
    ...common,
    `User=${SERVICE_USER}`,
    `Group=${SERVICE_USER}`,
    "ProtectHome=read-only",
    "PrivateDevices=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "RestrictSUIDSGID=yes",
    "RestrictRealtime=yes",
    "RestrictNamespaces=yes",
    "LockPersonality=yes",
    // Netlink: listing the machine's addresses (the --host check); UDP broadcast for Wake-on-LAN is AF_INET.
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK",
    "SystemCallArchitectures=native",
    // No MemoryDenyWriteExecute=: Bun's JavaScriptCore JIT writes machine code at run time.
    ...capabilities(spec.args),
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

const xml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** launchd.plist(5). KeepAlive.SuccessfulExit=false restarts it after a crash, not after a clean stop. */
export function launchdPlist(spec: ServiceSpec & { dataDir: string; logPath: string }): string {
  const argv = [spec.execPath, ...spec.args, "--data-dir", spec.dataDir].map((a) => `    <string>${xml(a)}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  <string>${LAUNCHD_LABEL}</string>`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...argv,
    "  </array>",
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>KeepAlive</key>",
    "  <dict>",
    "    <key>SuccessfulExit</key>",
    "    <false/>",
    "  </dict>",
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    `    <key>${BUN_MAX_HTTP_ENV}</key>`,
    `    <string>${DEFAULT_MAX_UPSTREAM_REQUESTS}</string>`,
    "  </dict>",
    "  <key>ThrottleInterval</key>",
    "  <integer>5</integer>",
    "  <key>StandardOutPath</key>",
    `  <string>${xml(spec.logPath)}</string>`,
    "  <key>StandardErrorPath</key>",
    `  <string>${xml(spec.logPath)}</string>`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}
