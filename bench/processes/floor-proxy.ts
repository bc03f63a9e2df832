// Entry: the floor proxy in its own process. argv: <upstream base url, no /v1>
import { startFloorProxy } from "../floor-proxy.ts";
import { announce } from "./ready.ts";

const proxy = startFloorProxy(process.argv[2]!);
announce(proxy.url, () => proxy.stop());
