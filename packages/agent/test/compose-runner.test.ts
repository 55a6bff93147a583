// The real probe against what this machine has installed.
import { describe, expect, it } from "vitest";
import { detectCompose, probeVersion } from "../src/compose/runner.js";
import { ExecError, exec } from "../src/exec/exec.js";

describe("on this machine", () => {
  it("detects an installed Compose and reports its version", async () => {
    const runner = await detectCompose();
    expect(runner, "install docker-compose (apt-get install -y docker-compose)").toBeDefined();
    expect(runner?.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await probeVersion(runner?.argv ?? [])).toBe(runner?.version);
    const plugin = await probeVersion(["docker", "compose"]);
    expect(runner?.kind).toBe(plugin ? "plugin" : "standalone");
  });
});

describe("exec", () => {
  it("passes arguments without a shell and streams lines", async () => {
    const lines: string[] = [];
    const result = await exec(["printf", "%s\\n", "a;echo pwned", "$(id)"], { onLine: (_s, line) => lines.push(line) });
    expect(lines).toEqual(["a;echo pwned", "$(id)"]);
    expect(result.exitCode).toBe(0);
  });

  it("fails with the argv, exit code and stderr", async () => {
    const error = await exec(["sh", "-c", "echo boom >&2; exit 3"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ exitCode: 3, argv: ["sh", "-c", "echo boom >&2; exit 3"], stderr: "boom\n" });
    expect((error as ExecError).message).toBe("sh -c echo boom >&2; exit 3 exited with 3: boom");
  });
});
