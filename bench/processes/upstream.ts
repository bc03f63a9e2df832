// Entry: the reference upstream in its own process. argv: <chunks> <chunkDelayMs>
import { startReferenceUpstream } from "../reference-upstream.ts";
import { announce } from "./ready.ts";

const [chunks = "20", delay = "5"] = process.argv.slice(2);
const up = startReferenceUpstream({ chunks: Number(chunks), chunkDelayMs: Number(delay) });
announce(up.url, () => up.stop());
