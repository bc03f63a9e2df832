// Entry: the floor proxy in its own process. argv: <upstream base url, no /v1> [port]
import { startFloorProxy } from "../floor-proxy.ts";
import { announce } from "./ready.ts";

const proxy = startFloorProxy(process.argv[2]!, Number(process.argv[3] ?? "0"));
announce(proxy.url, () => proxy.stop());
