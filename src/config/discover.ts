// Where the config file is looked for when neither --config nor WAYFRONT_CONFIG names one:
// the working directory first (a project's own gateway), then the user's config directory,
// then the machine's (a service). The first that exists wins; none → the embedded default.
// Everything the search reads is passed in, so tests need no real home or /etc.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve, win32 } from "node:path";

export interface SearchPlace {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  platform: NodeJS.Platform;
  exists: (path: string) => boolean;
}

export const defaultPlace = (env: Record<string, string | undefined>): SearchPlace => ({
  env,
  cwd: process.cwd(),
  home: homedir(),
  platform: process.platform,
  exists: existsSync,
});

/** The candidate paths, in the order they are tried. */
export function configSearchPaths(p: Pick<SearchPlace, "env" | "cwd" | "home" | "platform">): string[] {
  if (p.platform === "win32") {
    const appData = p.env.APPDATA || win32.join(p.home, "AppData", "Roaming");
    return [win32.resolve(p.cwd, "wayfront.toml"), win32.join(appData, "wayfront", "config.toml")];
  }
  const user: string[] = [];
  // XDG_CONFIG_HOME is honoured on macOS too when set (people who set it expect that);
  // otherwise macOS keeps per-user settings in Application Support.
  if (p.env.XDG_CONFIG_HOME) user.push(join(p.env.XDG_CONFIG_HOME, "wayfront", "config.toml"));
  else if (p.platform !== "darwin") user.push(join(p.home, ".config", "wayfront", "config.toml"));
  if (p.platform === "darwin") user.push(join(p.home, "Library", "Application Support", "wayfront", "config.toml"));
  return [resolve(p.cwd, "wayfront.toml"), ...user, "/etc/wayfront/config.toml"];
}

/** The config file to use: the one named, else the first of the search paths that exists, else none. */
export function findConfigFile(named: string | undefined, place: SearchPlace): string | undefined {
  if (named) return named;
  return configSearchPaths(place).find((path) => place.exists(path));
}
