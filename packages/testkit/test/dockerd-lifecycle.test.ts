import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUSYBOX_IMAGE, docker, ensureImage, run, sharedDaemons, startDockerd, waitFor } from "../src/index.js";

const daemons = sharedDaemons();

interface Leftovers {
  processes: string[];
  mounts: string[];
  /** Network links holding an address in the slot's pool (the bridges of its networks). */
  links: string[];
}

async function leftovers(dir: string, slot: number): Promise<Leftovers> {
  const ps = await run(["ps", "-eo", "pid=,args="]);
  const processes = ps.stdout
    .split("\n")
    .filter((line) => line.includes(`${dir}/`) && !line.includes("tugd-cleanup") && !line.includes("ps -eo"));
  const mounts = (await readFile("/proc/self/mounts", "utf8")).split("\n").filter((line) => line.includes(` ${dir}/`));
  const addresses = await run(["ip", "-o", "-4", "addr", "show"]);
  const links = addresses.stdout
    .split("\n")
    .filter((line) => line.split(/\s+/)[3]?.startsWith(`10.${200 + slot}.`))
    .map((line) => line.split(/\s+/)[1] ?? "");
  return { processes, mounts, links };
}

describe.skipIf(daemons.skipReason !== "")("startDockerd", () => {
  it("restarts with its data kept and stops leaving nothing behind", async () => {
    const daemon = await startDockerd();
    try {
      await ensureImage(daemon.dockerHost);
      await docker(daemon.dockerHost, [
        "run",
        "-d",
        "--name",
        "keeper",
        "--restart",
        "always",
        "--stop-timeout",
        "1",
        BUSYBOX_IMAGE,
        "sleep",
        "600",
      ]);
      // A network's bridge lives in the machine's namespace, not in the data root.
      await docker(daemon.dockerHost, ["network", "create", "probe"]);
      await daemon.restart();
      const running = await waitFor(
        async () =>
          (await docker(daemon.dockerHost, ["inspect", "-f", "{{.State.Running}}", "keeper"])).stdout.trim() === "true",
        { what: "container with restart=always to come back after a daemon restart" },
      );
      expect(running).toBe(true);
    } finally {
      await daemon.stop();
    }
    expect(existsSync(daemon.dir)).toBe(false);
    expect(await leftovers(daemon.dir, daemon.slot)).toEqual({ processes: [], mounts: [], links: [] });
  });

  it("is cleaned up by its watchdog when the test process is killed", async () => {
    const dockerdModule = fileURLToPath(new URL("../src/dockerd.ts", import.meta.url));
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { startDockerd } = await import(${JSON.stringify(dockerdModule)});
         const daemon = await startDockerd();
         console.log(JSON.stringify({ dir: daemon.dir, slot: daemon.slot, host: daemon.dockerHost }));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const lines = createInterface({ input: child.stdout });
    const { dir, slot, host } = await new Promise<{ dir: string; slot: number; host: string }>((resolve, reject) => {
      lines.once("line", (line) => resolve(JSON.parse(line)));
      child.once("exit", (code) => reject(new Error(`child exited with ${code} before starting its daemon`)));
    });
    expect(existsSync(`${dir}/docker.sock`)).toBe(true);
    await docker(host, ["network", "create", "probe"]);

    child.kill("SIGKILL");

    await waitFor(() => !existsSync(dir), { what: `watchdog to remove ${dir}`, timeoutMs: 60_000 });
    expect(await leftovers(dir, slot)).toEqual({ processes: [], mounts: [], links: [] });
  });
});
