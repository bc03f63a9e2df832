// Relative paths in a config file resolve against the file's folder, not the working directory.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { fromConfigDir } from "../../../src/config/paths.ts";

const TEXT = `[server]\ndata_dir = "data"\ntls = { cert_file = "certs/c.pem", key_file = "/abs/k.pem" }\n`;

test("data_dir and the TLS files are read from the config file's folder", () => {
  const c = resolveConfig(parseConfigText(TEXT, "/srv/wf/config.toml"), "/srv/wf/config.toml", {});
  expect(c.server.dataDir).toBe("/srv/wf/data");
  expect(c.server.tls).toEqual({ certFile: "/srv/wf/certs/c.pem", keyFile: "/abs/k.pem" });
});

test("a relative config path is taken from the working directory first", () => {
  expect(fromConfigDir("etc/wf.toml", "data")).toBe(join(process.cwd(), "etc", "data"));
});

test("--data-dir (a flag, typed in the shell) and the embedded default keep their meaning", () => {
  const c = resolveConfig(parseConfigText(TEXT, "/srv/wf/config.toml"), "/srv/wf/config.toml", {}, { dataDir: "/tmp/x" });
  expect(c.server.dataDir).toBe("/tmp/x");
  expect(fromConfigDir("(embedded default)", "data")).toBe("data");
});
