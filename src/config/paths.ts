// Paths written in a config file mean what they say next to that file, whatever folder
// Wayfront is started from: `data_dir = "data"` in /srv/wayfront/config.toml is
// /srv/wayfront/data for `serve` under systemd and for `cache stats` run from $HOME alike.
import { dirname, isAbsolute, resolve } from "node:path";

/** Sources that are not files (the embedded default) have no folder; their paths follow the working directory. */
const NOT_A_FILE = /^\(.*\)$/;

export function fromConfigDir(source: string, path: string): string {
  if (isAbsolute(path) || NOT_A_FILE.test(source)) return path;
  return resolve(dirname(resolve(source)), path);
}
