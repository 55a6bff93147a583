import { describe, expect, it } from "vitest";
import { detectCompose } from "./runner.js";

const probe = (installed: Record<string, string>) => async (argv: readonly string[]) => installed[argv.join(" ")];

describe("detectCompose", () => {
  it("prefers the docker compose plugin", async () => {
    const runner = await detectCompose(probe({ "docker compose": "2.29.1", "docker-compose": "1.29.2" }));
    expect(runner).toEqual({ kind: "plugin", argv: ["docker", "compose"], version: "2.29.1" });
  });

  it("falls back to standalone docker-compose", async () => {
    const runner = await detectCompose(probe({ "docker-compose": "1.29.2" }));
    expect(runner).toEqual({ kind: "standalone", argv: ["docker-compose"], version: "1.29.2" });
  });

  it("finds nothing when neither is installed", async () => {
    expect(await detectCompose(probe({}))).toBeUndefined();
  });
});
