import { describe, expect, it } from "vitest";
import { BUSYBOX_IMAGE, daemonHost, docker, sharedDaemons } from "../src/index.js";

const daemons = sharedDaemons();

describe.skipIf(daemons.skipReason !== "")("shared private daemons", () => {
  it("keeps each daemon's containers to itself", async () => {
    const [a, b] = [daemonHost(daemons, 0), daemonHost(daemons, 1)];
    expect(a).not.toBe(b);
    const tag = `isolation-${process.pid}-${Date.now()}`;
    await docker(a, ["run", "-d", "--name", `${tag}-a`, "--label", `test=${tag}`, BUSYBOX_IMAGE, "sleep", "300"]);
    await docker(b, ["run", "-d", "--name", `${tag}-b`, "--label", `test=${tag}`, BUSYBOX_IMAGE, "sleep", "300"]);
    try {
      const names = async (host: string) =>
        (await docker(host, ["ps", "--filter", `label=test=${tag}`, "--format", "{{.Names}}"])).stdout
          .trim()
          .split("\n");
      expect(await names(a)).toEqual([`${tag}-a`]);
      expect(await names(b)).toEqual([`${tag}-b`]);
      const running = await docker(a, ["inspect", "-f", "{{.State.Running}}", `${tag}-a`]);
      expect(running.stdout.trim()).toBe("true");
    } finally {
      await docker(a, ["rm", "-f", `${tag}-a`], { allowFailure: true });
      await docker(b, ["rm", "-f", `${tag}-b`], { allowFailure: true });
    }
  });

  it("never uses the machine's default daemon socket", async () => {
    for (const host of daemons.hosts) {
      expect(host).toMatch(/^unix:\/\/\/tmp\/tugd\/\d+\/docker\.sock$/);
      const info = await docker(host, ["info", "--format", "{{.DockerRootDir}}"]);
      expect(info.stdout.trim()).toMatch(/^\/tmp\/tugd\/\d+\/data$/);
    }
  });
});
