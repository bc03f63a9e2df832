// `wayfront init [--gpu URL] [--cloud openai|anthropic] [--out FILE] [--force]`: ask the GPU
// box for its models and write a commented starter config. The text is run through the real
// loader before it is written, so init never leaves a file that `serve` would refuse.
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Args, UsageError } from "./args.ts";
import { parseConfigText } from "../config/load.ts";
import { resolveConfig } from "../config/resolve.ts";
import { CLOUDS, type Cloud, pickCoder, starterConfig } from "../config/starter.ts";
import { probeModels } from "../upstream/list-models.ts";

/** Ollama's own address: what most people run on the box they are sitting at. */
export const DEFAULT_GPU_URL = "http://127.0.0.1:11434";

export interface InitIo {
  out: (line: string) => void;
  cwd: string;
}

export async function initCommand(args: Args, io: InitIo = { out: console.log, cwd: process.cwd() }): Promise<number> {
  const f = args.init ?? {};
  if (f.cloud !== undefined && !CLOUDS.includes(f.cloud as Cloud)) {
    throw new UsageError(`--cloud must be one of ${CLOUDS.join(", ")} (got ${f.cloud})`);
  }
  const gpu = f.gpu ?? DEFAULT_GPU_URL;
  if (!/^https?:\/\/[^/]/.test(gpu) || !URL.canParse(gpu)) throw new UsageError(`--gpu must be an http:// or https:// URL (got ${gpu})`);
  const path = resolve(io.cwd, f.out ?? "wayfront.toml");
  if (existsSync(path) && !f.force) {
    io.out(`wayfront init: ${path} already exists; not overwriting it (add --force to replace it)`);
    return 1;
  }
  const probe = await probeModels(gpu);
  const text = starterConfig({ gpuUrl: probe.baseUrl, models: probe.models, probeError: probe.error, cloud: (f.cloud as Cloud) ?? null });
  // A bug here must not become a broken file on the user's disk.
  resolveConfig(parseConfigText(text, path), path, {});
  writeFileSync(path, text);
  const model = pickCoder(probe.models);
  if (probe.error) io.out(`warning: could not ask ${probe.baseUrl} for its models (${probe.error}); the file names a placeholder model`);
  else io.out(`${probe.baseUrl} lists ${probe.models.length} model${probe.models.length === 1 ? "" : "s"}${model ? `; agents go to ${model}` : ""}`);
  io.out(`wrote ${path}`);
  io.out(`next: wayfront check --config ${path}`);
  return 0;
}
