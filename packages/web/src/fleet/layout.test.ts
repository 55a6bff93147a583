// The fleet picture's layout: waves from `after`, a row per server grouped by
// region, an edge per dependency, and cycles that cannot hang it.
import { describe, expect, it } from "vitest";
import { layoutFleet, waves } from "./layout.js";

const stack = (name: string, server: string, after: string[] = []) => ({ name, server, state: "running", after });

describe("fleet layout", () => {
  it("puts a stack one wave after the latest stack it waits for", () => {
    const w = waves([stack("db", "a"), stack("app", "a", ["db"]), stack("proxy", "b", ["app", "db"]), stack("x", "b")]);
    expect(Object.fromEntries(w)).toEqual({ db: 0, app: 1, proxy: 2, x: 0 });
  });

  it("survives a cycle and a dependency that is not declared", () => {
    const w = waves([stack("a", "s", ["b"]), stack("b", "s", ["a"]), stack("c", "s", ["missing"])]);
    expect([...w.values()].every((n) => Number.isFinite(n))).toBe(true);
    expect(w.get("c")).toBe(0);
  });

  it("lays servers out by region, each stack in its wave's column, with an edge per after", () => {
    const layout = layoutFleet(
      [
        { name: "nas", region: "home", reachable: true },
        { name: "vps", region: "cloud", reachable: false },
      ],
      [stack("db", "nas"), stack("app", "nas", ["db"]), stack("proxy", "vps", ["app"]), stack("lost", "gone")],
    );
    expect(layout.waves).toBe(3);
    expect(layout.rows.map((r) => r.server)).toEqual(["gone", "vps", "nas"]); // "" < cloud < home
    const at = (name: string) => layout.stacks.find((s) => s.name === name);
    expect(at("app")?.x).toBeGreaterThan(at("db")?.x ?? Infinity);
    expect(at("proxy")?.x).toBeGreaterThan(at("app")?.x ?? Infinity);
    expect(layout.edges.map((e) => `${e.from.name}->${e.to.name}`).sort()).toEqual(["app->proxy", "db->app"]);
  });

  it("lays out 500 stacks on 50 servers", () => {
    const servers = Array.from({ length: 50 }, (_, s) => ({ name: `h${s}`, region: `r${s % 3}`, reachable: true }));
    const stacks = Array.from({ length: 500 }, (_, i) => stack(`s${i}`, `h${i % 50}`, i >= 50 ? [`s${i - 50}`] : []));
    const layout = layoutFleet(servers, stacks);
    expect(layout.stacks).toHaveLength(500);
    expect(layout.waves).toBe(10);
  });
});
