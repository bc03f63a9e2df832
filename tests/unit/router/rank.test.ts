import { describe, expect, test } from "bun:test";
import { rank, type Candidate } from "../../../src/router/rank.ts";

const c = (upstream: string, over: Partial<Candidate> = {}): Candidate => ({
  upstream,
  model: "qwen3",
  tier: "local",
  loaded: undefined,
  lastServed: 0,
  outstanding: 0,
  ...over,
});
const names = (cs: Candidate[]) => cs.map((x) => x.upstream);

describe("rank", () => {
  test("local tier first by default, cloud first when preferred; configured order kept", () => {
    const cands = [
      c("cloud-a", { tier: "cloud", model: "gpt" }),
      c("gpu-1", { model: "a" }),
      c("cloud-b", { tier: "cloud", model: "claude" }),
      c("gpu-2", { model: "b" }),
    ];
    expect(names(rank(cands, "local"))).toEqual(["gpu-1", "gpu-2", "cloud-a", "cloud-b"]);
    expect(names(rank(cands, "cloud"))).toEqual(["cloud-a", "cloud-b", "gpu-1", "gpu-2"]);
  });

  test("warm first: the upstream reporting the model loaded leads", () => {
    const cands = [c("gpu-1", { loaded: false, outstanding: 0 }), c("gpu-2", { loaded: true, outstanding: 5 })];
    expect(names(rank(cands, "local"))).toEqual(["gpu-2", "gpu-1"]);
  });

  test("when nobody reports loaded, the most recent server is warm", () => {
    const cands = [c("gpu-1", { lastServed: 100 }), c("gpu-2", { lastServed: 300, outstanding: 4 }), c("gpu-3", { lastServed: 200 })];
    // gpu-2 is warm; the cold ones follow in load order then configured order.
    expect(names(rank(cands, "local"))).toEqual(["gpu-2", "gpu-1", "gpu-3"]);
  });

  test("an upstream saying not loaded is never warm by recency", () => {
    const cands = [c("gpu-1", { lastServed: 100, outstanding: 1 }), c("gpu-2", { loaded: false, lastServed: 999 })];
    expect(names(rank(cands, "local"))).toEqual(["gpu-1", "gpu-2"]);
  });

  test("least loaded among equally warm locals", () => {
    const cands = [c("gpu-1", { outstanding: 3 }), c("gpu-2", { outstanding: 1 }), c("gpu-3", { outstanding: 2 })];
    expect(names(rank(cands, "local"))).toEqual(["gpu-2", "gpu-3", "gpu-1"]);
    const warm = [c("gpu-1", { loaded: true, outstanding: 2 }), c("gpu-2", { loaded: true, outstanding: 0 })];
    expect(names(rank(warm, "local"))).toEqual(["gpu-2", "gpu-1"]);
  });

  test("ties keep configured order", () => {
    const cands = [c("gpu-1"), c("gpu-2"), c("gpu-3")];
    expect(names(rank(cands, "local"))).toEqual(["gpu-1", "gpu-2", "gpu-3"]);
  });

  test("different models keep their configured slots; only same-model candidates swap", () => {
    const cands = [
      c("gpu-1", { model: "big", outstanding: 9 }),
      c("gpu-2", { model: "small", outstanding: 9 }),
      c("gpu-3", { model: "big", outstanding: 0 }),
      c("gpu-4", { model: "small", outstanding: 0 }),
    ];
    expect(names(rank(cands, "local"))).toEqual(["gpu-3", "gpu-4", "gpu-1", "gpu-2"]);
  });

  test("cloud candidates of the same model are ranked by load too", () => {
    const cands = [
      c("gpu-1"),
      c("cloud-a", { tier: "cloud", model: "gpt", outstanding: 10 }),
      c("cloud-b", { tier: "cloud", model: "gpt", outstanding: 1 }),
    ];
    expect(names(rank(cands, "local"))).toEqual(["gpu-1", "cloud-b", "cloud-a"]);
  });

  test("does not mutate its input and keeps extra fields", () => {
    const cands = [
      { ...c("gpu-1", { outstanding: 1 }), extra: 1 },
      { ...c("gpu-2"), extra: 2 },
    ];
    const before = names(cands);
    const out = rank(cands, "local");
    expect(names(cands)).toEqual(before);
    expect(out.map((x) => x.extra)).toEqual([2, 1]);
  });
});
