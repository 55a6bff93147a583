// For the demo on a machine with no running Docker engine: private dockerd
// instances under the data dir (own socket, data root and exec root; no
// default bridge, no iptables changes), one per demo host. The machine's own
// daemon, if any, is never used or touched.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";

export interface DemoDaemon {
  dockerHost: string;
  stop(): Promise<void>;
}

const ping = (socketPath: string) =>
  new Promise<boolean>((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.end();
  });

/**
 * The names of the bridges of the daemon's networks. They live in the
 * machine's network namespace, not in the data root, and a stopped dockerd
 * leaves them there; the next start creates again those it needs.
 */
const bridgeNames = (socketPath: string) =>
  new Promise<string[]>((resolve) => {
    const req = request(
      { socketPath, path: "/networks?filters=%7B%22driver%22%3A%5B%22bridge%22%5D%7D", timeout: 5000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => {
          try {
            const networks = JSON.parse(body) as { Id: string; Options?: Record<string, string> }[];
            resolve(networks.map((n) => n.Options?.["com.docker.network.bridge.name"] ?? `br-${n.Id.slice(0, 12)}`));
          } catch {
            resolve([]);
          }
        });
      },
    );
    req.on("error", () => resolve([]));
    req.on("timeout", () => req.destroy());
    req.end();
  });

const deleteLink = (name: string) =>
  new Promise<void>((resolve) => execFile("ip", ["link", "delete", name], { timeout: 5000 }, () => resolve()));

export async function startDemoDaemon(options: { dataDir: string; index: number }): Promise<DemoDaemon> {
  const dir = join(options.dataDir, `dockerd-${options.index}`);
  // containerd's socket paths must stay short: the exec root lives in /run,
  // named after the data dir so two demos never share one.
  const exec = `/run/tug-demo-${createHash("sha256").update(options.dataDir).digest("hex").slice(0, 8)}-${options.index}`;
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, "docker.sock");
  writeFileSync(join(dir, "daemon.json"), "{}\n");
  const log = openSync(join(dir, "dockerd.log"), "a");
  const child = spawn(
    "dockerd",
    [
      `--host=unix://${socket}`,
      `--data-root=${join(dir, "data")}`,
      `--exec-root=${exec}`,
      `--pidfile=${join(dir, "docker.pid")}`,
      `--config-file=${join(dir, "daemon.json")}`,
      `--cgroup-parent=${exec.slice("/run/".length)}`,
      "--bridge=none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-masq=false",
      `--default-address-pool=base=10.${250 + options.index}.0.0/16,size=24`,
      "--shutdown-timeout=5",
    ],
    { stdio: ["ignore", log, log] },
  );
  let exited = false;
  child.on("exit", () => {
    exited = true;
  });
  // If `tug up` dies without stopping its daemons (SIGKILL), this stops them: dockerd
  // stops its containers and exits on SIGTERM.
  spawn(
    "sh",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -TERM "$2" 2>/dev/null',
      "tug-demo-watchdog",
      String(process.pid),
      String(child.pid),
    ],
    {
      detached: true,
      stdio: "ignore",
    },
  ).unref();
  const deadline = Date.now() + 60_000;
  while (!(await ping(socket))) {
    if (exited) throw new Error(`dockerd for demo host ${options.index} exited; see ${join(dir, "dockerd.log")}`);
    if (Date.now() > deadline)
      throw new Error(`dockerd for demo host ${options.index} did not start; see ${join(dir, "dockerd.log")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    dockerHost: `unix://${socket}`,
    stop: async () => {
      const bridges = exited ? [] : await bridgeNames(socket);
      if (!exited) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      }
      rmSync(exec, { recursive: true, force: true });
      await Promise.all(bridges.map(deleteLink));
    },
  };
}
