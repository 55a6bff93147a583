import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { composeVariants, daemonHost, docker, dockerEnv, run, sharedDaemons, tempDir, waitFor } from "../src/index.js";

const daemons = sharedDaemons();
const variants = daemons.skipReason ? [] : await composeVariants();

describe.skipIf(daemons.skipReason !== "")("compose on a private daemon", () => {
  it("finds at least one compose front end", () => {
    expect(variants.map((variant) => variant.name)).toContain("docker-compose");
  });

  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it.each(variants)("$name brings a project up and down", async (variant) => {
    const host = daemonHost(daemons, 0);
    const dir = await tempDir("tug-compose-");
    cleanups.push(dir.cleanup);
    await writeFile(
      join(dir.path, "compose.yaml"),
      [
        "services:",
        "  web:",
        "    image: local/busybox:1",
        '    command: ["httpd", "-f", "-p", "8080", "-h", "/tmp"]',
        "  once:",
        "    image: local/busybox:1",
        '    command: ["true"]',
        "",
      ].join("\n"),
    );
    const project = `ctest-${variant.name.replace(/\W/g, "")}-${process.pid}`;
    const compose = (args: string[]) =>
      run([...variant.argv, "-p", project, ...args], { cwd: dir.path, env: dockerEnv(host) });
    cleanups.push(() => compose(["down", "--remove-orphans", "--timeout", "1"]).catch(() => undefined));

    await compose(["up", "-d"]);

    const states = async () =>
      (
        await docker(host, [
          "ps",
          "-a",
          "--filter",
          `label=com.docker.compose.project=${project}`,
          "--format",
          '{{.Label "com.docker.compose.service"}}={{.State}}',
        ])
      ).stdout
        .trim()
        .split("\n")
        .sort();
    await waitFor(async () => (await states()).join(",") === "once=exited,web=running", {
      what: `${project} to have web running and once exited`,
    });

    await compose(["down", "--timeout", "1"]);
    expect((await states()).filter(Boolean)).toEqual([]);
  });
});
