// Private Docker daemons for tests: each has its own socket, data root, exec
// root, pid file, cgroup parent and address pool under /tmp/tugd/<slot>, so
// several run side by side and none touches the machine's own daemon.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { run } from "./exec.js";
import { waitFor } from "./wait.js";

/** Where slots live; short, because containerd's socket paths must stay under 108 bytes. */
export const DOCKERD_ROOT = process.env.TUG_TESTKIT_DOCKERD_ROOT ?? "/tmp/tugd";
const MAX_SLOTS = 40;

export interface PrivateDockerd {
  /** `unix:///tmp/tugd/<slot>/docker.sock`: use as DOCKER_HOST. */
  dockerHost: string;
  socketPath: string;
  slot: number;
  dir: string;
  /** The network namespace it runs in (`/run/netns/<name>`), when started with `hostname`. */
  netns?: string;
  /** Stops the daemon (it stops its containers) and keeps its data, then starts it again. */
  restart(): Promise<void>;
  /** Stops the daemon and keeps its data (a host going down); `start` brings it back. */
  halt(): Promise<void>;
  start(): Promise<void>;
  /** Stops the daemon and removes everything it left: processes, mounts, cgroups, files. */
  stop(): Promise<void>;
}

/**
 * Deletes the network links holding an address in a slot's pool (`$1`, e.g.
 * "10.203."). A killed dockerd leaves the bridges of its networks behind, and
 * every later daemon skips their subnets, until the pool runs out ("could not
 * find an available, non-overlapping IPv4 address pool"). A slot's pool is its
 * own, so whatever holds an address in it is a leftover of that slot.
 */
const BRIDGE_SWEEP = `
ip -o -4 addr show 2>/dev/null | awk -v p="$1" 'index($4, p) == 1 { print $2 }' | sort -u | while read -r l; do ip link delete "$l" 2>/dev/null; done
`;

/**
 * Kills the daemon of a slot, its containerd, shims and containers, and removes
 * all they left (mounts, cgroups, files). Not graceful, on purpose: the slot's
 * data is thrown away, and a graceful stop waits out every container's stop
 * timeout. `$1` is the owner pid to wait for ("now" to skip waiting), `$2` the
 * slot dir, `$3` its cgroup parent, `$4` its address pool prefix.
 * The same script is the in-process stop, the reaper of stale slots and the
 * watchdog that cleans up when the test run is killed.
 */
const CLEANUP_SCRIPT = `
owner=$1; dir=$2; cg=$3; pool=$4
if [ "$owner" != now ]; then while kill -0 "$owner" 2>/dev/null; do sleep 1; done; fi
pid=$(cat "$dir/docker.pid" 2>/dev/null)
[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
for f in $(find /sys/fs/cgroup -path "*/$cg/*" -name cgroup.procs 2>/dev/null); do
  for p in $(cat "$f"); do kill -KILL "$p" 2>/dev/null; done
done
for p in $(grep -l -s -F "$dir/" /proc/[0-9]*/cmdline | cut -d/ -f3); do
  [ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
done
i=0; while [ $i -lt 50 ] && grep -l -s -F "$dir/exec" /proc/[0-9]*/cmdline | grep -v -q "/proc/$$/"; do sleep 0.1; i=$((i+1)); done
awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
[ -e "/run/netns/$cg" ] && ip netns delete "$cg" 2>/dev/null
i=0; while [ $i -lt 50 ] && ! find /sys/fs/cgroup -depth -type d -path "*/$cg*" -exec rmdir {} + 2>/dev/null; do sleep 0.1; i=$((i+1)); done
rm -rf "$dir"
set -- "$pool"
${BRIDGE_SWEEP}`;

function cgroupParent(slot: number): string {
  return `tugd-${slot}`;
}

/** The first two octets of a slot's address pool, with the dot: "10.203.". */
export function poolPrefix(slot: number): string {
  return `10.${200 + slot}.`;
}

function cleanupArgs(owner: "now" | number, dir: string, slot: number): string[] {
  return [String(owner), dir, cgroupParent(slot), poolPrefix(slot)];
}

function runCleanup(dir: string, slot: number, owner: "now" | number) {
  return run(["sh", "-c", CLEANUP_SCRIPT, "tugd-cleanup", ...cleanupArgs(owner, dir, slot)], { allowFailure: true });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes slots whose owning process is gone (a test run that was killed). */
export async function reapStaleDaemons(): Promise<number> {
  if (!existsSync(DOCKERD_ROOT)) return 0;
  let reaped = 0;
  for (const entry of await readdir(DOCKERD_ROOT)) {
    const slot = Number(entry);
    if (!Number.isInteger(slot)) continue;
    const dir = join(DOCKERD_ROOT, entry);
    const owner = Number(await readFile(join(dir, "owner"), "utf8").catch(() => "NaN"));
    const young = Date.now() - (await stat(dir)).mtimeMs < 60_000;
    if (Number.isInteger(owner) ? processAlive(owner) : young) continue;
    await runCleanup(dir, slot, "now");
    reaped += 1;
  }
  return reaped;
}

async function claimSlot(): Promise<number> {
  await mkdir(DOCKERD_ROOT, { recursive: true });
  for (let slot = 0; slot < MAX_SLOTS; slot += 1) {
    try {
      await mkdir(join(DOCKERD_ROOT, String(slot)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    await writeFile(join(DOCKERD_ROOT, String(slot), "owner"), String(process.pid));
    return slot;
  }
  throw new Error(`no free private dockerd slot under ${DOCKERD_ROOT} (${MAX_SLOTS} in use)`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

function daemonArgs(dir: string, slot: number, isolated: boolean): string[] {
  // In its own network namespace the daemon's rules touch nothing of the machine's:
  // it keeps iptables, which Swarm's networks need.
  const machineNetwork = isolated ? [] : ["--iptables=false", "--ip6tables=false", "--ip-masq=false"];
  return [
    `--host=unix://${dir}/docker.sock`,
    `--data-root=${dir}/data`,
    `--exec-root=${dir}/exec`,
    `--pidfile=${dir}/docker.pid`,
    `--config-file=${dir}/daemon.json`,
    `--cgroup-parent=${cgroupParent(slot)}`,
    // No default bridge and no iptables rules: the machine's network stays as it was.
    "--bridge=none",
    ...machineNetwork,
    `--default-address-pool=base=${poolPrefix(slot)}0.0/16,size=24`,
    "--shutdown-timeout=2",
  ];
}

/**
 * `dockerd`, or, for a daemon standing in for a separate host, dockerd in the
 * slot's network namespace (entered with nsenter: `ip netns exec` remounts
 * /sys and dockerd then finds no cgroups) and its own UTS namespace, so the
 * node has its own hostname.
 */
function daemonCommand(dir: string, slot: number, hostname: string | undefined): string[] {
  if (hostname === undefined) return ["dockerd", ...daemonArgs(dir, slot, false)];
  return [
    "nsenter",
    `--net=/run/netns/${cgroupParent(slot)}`,
    "unshare",
    "--uts",
    "sh",
    "-c",
    'hostname "$0" && exec dockerd "$@"',
    hostname,
    ...daemonArgs(dir, slot, true),
  ];
}

async function launch(dir: string, slot: number, hostname?: string): Promise<void> {
  const log = openSync(join(dir, "dockerd.log"), "a");
  const [command = "dockerd", ...args] = daemonCommand(dir, slot, hostname);
  const child = spawn(command, args, { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  let exited: string | undefined;
  child.on("exit", (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  child.on("error", (error) => {
    exited = error.message;
  });
  child.unref();
  const socketPath = join(dir, "docker.sock");
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(exited);
        return ping(socketPath);
      },
      { what: `private dockerd in ${dir} to answer /_ping`, timeoutMs: 60_000, intervalMs: 100 },
    );
  } catch (error) {
    const tail = readFileSync(join(dir, "dockerd.log"), "utf8").split("\n").slice(-15).join("\n");
    throw new Error(`${(error as Error).message}\n--- dockerd.log ---\n${tail}`);
  }
}

async function stopDaemon(dir: string): Promise<void> {
  const pid = Number(await readFile(join(dir, "docker.pid"), "utf8").catch(() => "NaN"));
  if (!Number.isInteger(pid)) return;
  process.kill(pid, "SIGTERM");
  await waitFor(() => !processAlive(pid), { what: `dockerd ${pid} to stop`, timeoutMs: 30_000 });
}

export interface DockerdOptions {
  /**
   * Run as a separate host: in a network namespace of its own (named as the
   * slot's cgroup parent, with only `lo` up; the caller wires it) and with
   * this hostname.
   */
  hostname?: string;
}

/** Starts a private dockerd and a watchdog that cleans it up if this process dies. */
export async function startDockerd(options: DockerdOptions = {}): Promise<PrivateDockerd> {
  await reapStaleDaemons();
  const slot = await claimSlot();
  const dir = join(DOCKERD_ROOT, String(slot));
  await writeFile(join(dir, "daemon.json"), "{}\n");
  // Bridges a run killed before its cleanup left in this slot's pool.
  await run(["sh", "-c", BRIDGE_SWEEP, "tugd-sweep", poolPrefix(slot)], { allowFailure: true });
  const watchdog = spawn("sh", ["-c", CLEANUP_SCRIPT, "tugd-watchdog", ...cleanupArgs(process.pid, dir, slot)], {
    detached: true,
    stdio: "ignore",
  });
  watchdog.unref();
  const stopWatchdog = () => {
    if (watchdog.pid !== undefined && processAlive(watchdog.pid)) process.kill(watchdog.pid, "SIGKILL");
  };
  const { hostname } = options;
  const netns = hostname === undefined ? undefined : cgroupParent(slot);
  try {
    if (netns) {
      await run(["ip", "netns", "add", netns]);
      await run(["ip", "-n", netns, "link", "set", "lo", "up"]);
    }
    await launch(dir, slot, hostname);
  } catch (error) {
    stopWatchdog();
    await runCleanup(dir, slot, "now");
    throw error;
  }
  const socketPath = join(dir, "docker.sock");
  return {
    dockerHost: `unix://${socketPath}`,
    socketPath,
    slot,
    dir,
    ...(netns ? { netns } : {}),
    async restart() {
      await stopDaemon(dir);
      await launch(dir, slot, hostname);
    },
    halt: () => stopDaemon(dir),
    start: () => launch(dir, slot, hostname),
    async stop() {
      stopWatchdog();
      await runCleanup(dir, slot, "now");
    },
  };
}
