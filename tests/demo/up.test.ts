// README's main command: `npm start` runs `tug up`, which brings examples/homelab
// up on three private daemons with agents and core, and stops cleanly.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run, sharedDaemons, tempDir, waitFor } from "@tugboat/testkit";
import { describe, expect, it } from "vitest";

const daemons = sharedDaemons();
const BIN = fileURLToPath(new URL("../../packages/cli/src/bin.ts", import.meta.url));

describe.skipIf(daemons.skipReason !== "")("tug up (npm start)", () => {
  it("deploys the example fleet, prints the URL and admin login, and stops leaving no daemon behind", async () => {
    const data = await tempDir("tug-up-");
    const child = spawn(
      process.execPath,
      ["--conditions=tugboat-source", "--import", "tsx", BIN, "up", "--data-dir", data.path, "--port", "0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      await waitFor(() => output.includes("ready (Ctrl-C"), {
        what: `tug up to be ready:\n${output}`,
        timeoutMs: 120_000,
      });
      const url = /Tugboat is running: (\S+)/.exec(output)?.[1] ?? "";
      const password = /admin login: admin \/ (\S+)/.exec(output)?.[1] ?? "";
      const login = await fetch(`${url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password }),
      });
      const token = ((await login.json()) as { token: string }).token;
      const stacks = await waitFor(
        async () => {
          const res = await fetch(`${url}/api/stacks`, { headers: { authorization: `Bearer ${token}` } });
          const list = (await res.json()) as Array<{ name: string; state: string }>;
          return list.length === 13 && list.every((s) => s.state === "running") ? list : undefined;
        },
        { what: "the 13 example stacks to run", timeoutMs: 180_000, intervalMs: 500 },
      );
      expect(stacks.map((s) => s.name)).toContain("homepage");
      // The URL it prints serves the web UI.
      const page = await fetch(`${url}/`);
      expect(page.headers.get("content-type")).toMatch(/text\/html/);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      // The bridges of the demo's networks, which live outside its data dir.
      const bridges: string[] = [];
      for (const index of [0, 1, 2]) {
        const host = `unix://${data.path}/dockerd-${index}/docker.sock`;
        const ids = await run(
          ["docker", "-H", host, "network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge"],
          {
            allowFailure: true,
          },
        );
        bridges.push(
          ...ids.stdout
            .split("\n")
            .filter(Boolean)
            .map((id) => `br-${id.slice(0, 12)}`),
        );
      }
      try {
        const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        expect(await exited).toBe(0);
        const ps = await run(["ps", "-eo", "args="]);
        const execRoot = `/run/tug-demo-${createHash("sha256").update(data.path).digest("hex").slice(0, 8)}`;
        const leftovers = ps.stdout.split("\n").filter((line) => line.includes(data.path) || line.includes(execRoot));
        expect(leftovers.filter((line) => !line.startsWith("ps "))).toEqual([]);
        expect(existsSync(`${execRoot}-0`)).toBe(false);
        expect(bridges.length).toBeGreaterThan(0);
        const links = (await run(["ip", "-o", "link", "show"])).stdout;
        expect(bridges.filter((name) => links.includes(` ${name}:`))).toEqual([]);
      } finally {
        // Even when an assertion above fails, the data dir goes.
        await data.cleanup();
      }
    }
  });
});
