import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "../src/index.js";

const src = (file: string) => JSON.stringify(fileURLToPath(new URL(`../src/${file}`, import.meta.url)));

/** Runs a snippet in a fresh Node whose PATH lacks /usr/sbin, where Debian puts dockerd. */
function withoutDockerd(code: string, env: Record<string, string> = {}) {
  return run([process.execPath, "--import", "tsx", "--input-type=module", "-e", code], {
    env: { ...process.env, PATH: "/usr/bin:/bin", CI: "", ...env },
    allowFailure: true,
  });
}

describe.skipIf(process.getuid?.() !== 0)("when dockerd is missing", () => {
  it("names the missing command and the package to install", async () => {
    const result = await withoutDockerd(
      `const { dockerUnavailableReason } = await import(${src("availability.ts")}); console.log(dockerUnavailableReason());`,
    );
    expect(result.stdout.trim()).toBe("dockerd is not installed (apt-get install -y docker.io)");
  });

  it("skips loudly outside CI and fails the run under CI=true", async () => {
    const setup = `const { default: setup } = await import(${src("global-setup.ts")});
      const provided = {};
      await setup({ provide: (key, value) => { provided[key] = value; } });
      console.log(JSON.stringify(provided));`;
    const local = await withoutDockerd(setup);
    expect(local.exitCode).toBe(0);
    expect(local.stderr).toContain("SKIPPING Docker-backed tests: dockerd is not installed");
    expect(JSON.parse(local.stdout)).toEqual({
      "tugboat.dockerHosts": [],
      "tugboat.dockerSkipReason": "dockerd is not installed (apt-get install -y docker.io)",
    });

    const ci = await withoutDockerd(setup, { CI: "true" });
    expect(ci.exitCode).not.toBe(0);
    expect(ci.stderr).toContain("Docker-backed tests cannot run under CI=true: dockerd is not installed");
  });
});
