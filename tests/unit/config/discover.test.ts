// Config discovery: --config / WAYFRONT_CONFIG, then ./wayfront.toml, the user's config dir,
// /etc; the first that exists wins. Everything the search reads is injected.
import { expect, test } from "bun:test";
import { configSearchPaths, findConfigFile, type SearchPlace } from "../../../src/config/discover.ts";

const place = (over: Partial<SearchPlace>, present: string[] = []): SearchPlace => ({
  env: {},
  cwd: "/work/proj",
  home: "/home/ann",
  platform: "linux",
  exists: (p) => present.includes(p),
  ...over,
});

test("linux: the working directory, then ~/.config (or $XDG_CONFIG_HOME), then /etc", () => {
  expect(configSearchPaths(place({}))).toEqual(["/work/proj/wayfront.toml", "/home/ann/.config/wayfront/config.toml", "/etc/wayfront/config.toml"]);
  expect(configSearchPaths(place({ env: { XDG_CONFIG_HOME: "/xdg" } }))[1]).toBe("/xdg/wayfront/config.toml");
});

test("macOS: Application Support (after $XDG_CONFIG_HOME when that is set); Windows: %APPDATA%, no /etc", () => {
  expect(configSearchPaths(place({ platform: "darwin" }))).toEqual([
    "/work/proj/wayfront.toml",
    "/home/ann/Library/Application Support/wayfront/config.toml",
    "/etc/wayfront/config.toml",
  ]);
  expect(configSearchPaths(place({ platform: "darwin", env: { XDG_CONFIG_HOME: "/xdg" } }))[1]).toBe("/xdg/wayfront/config.toml");
  const win = configSearchPaths(
    place({ platform: "win32", cwd: "C:\\proj", home: "C:\\Users\\ann", env: { APPDATA: "C:\\Users\\ann\\AppData\\Roaming" } }),
  );
  expect(win).toEqual(["C:\\proj\\wayfront.toml", "C:\\Users\\ann\\AppData\\Roaming\\wayfront\\config.toml"]);
});

test("the first file that exists wins; a named file wins over all; none found → the embedded default", () => {
  const all = ["/work/proj/wayfront.toml", "/home/ann/.config/wayfront/config.toml", "/etc/wayfront/config.toml"];
  expect(findConfigFile(undefined, place({}, all))).toBe("/work/proj/wayfront.toml");
  expect(findConfigFile(undefined, place({}, all.slice(1)))).toBe("/home/ann/.config/wayfront/config.toml");
  expect(findConfigFile(undefined, place({}, all.slice(2)))).toBe("/etc/wayfront/config.toml");
  expect(findConfigFile("mine.toml", place({}, all))).toBe("mine.toml");
  expect(findConfigFile(undefined, place({}))).toBeUndefined();
});
