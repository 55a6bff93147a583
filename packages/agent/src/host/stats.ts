// Host and container stats, sampled in the background (every 5 s by default)
// so /stats answers at once: CPU, load, memory, swap, disks, network rates and
// per-container CPU and memory. Rates come from the difference between samples.
import { readFile, statfs } from "node:fs/promises";
import { loadavg } from "node:os";
import type { HostStats } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";

const REAL_FILESYSTEMS = new Set([
  "ext2",
  "ext3",
  "ext4",
  "xfs",
  "btrfs",
  "zfs",
  "vfat",
  "exfat",
  "ntfs",
  "f2fs",
  "jfs",
  "reiserfs",
  "nfs",
  "nfs4",
  "cifs",
  "fuseblk",
]);

interface CpuTimes {
  idle: number;
  total: number;
}

async function cpuTimes(): Promise<CpuTimes> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { idle, total: values.reduce((a, b) => a + b, 0) };
}

async function memory(): Promise<Pick<HostStats, "memory" | "swap">> {
  const info = new Map<string, number>();
  for (const line of (await readFile("/proc/meminfo", "utf8")).split("\n")) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) info.set(match[1] ?? "", Number(match[2]) * 1024);
  }
  const total = info.get("MemTotal") ?? 0;
  const swapTotal = info.get("SwapTotal") ?? 0;
  return {
    memory: { totalBytes: total, usedBytes: total - (info.get("MemAvailable") ?? 0) },
    swap: { totalBytes: swapTotal, usedBytes: swapTotal - (info.get("SwapFree") ?? 0) },
  };
}

async function disks(ignore: readonly string[]): Promise<HostStats["disks"]> {
  const seen = new Set<string>();
  const found: HostStats["disks"] = [];
  for (const line of (await readFile("/proc/mounts", "utf8")).split("\n")) {
    const [device, mount, fstype] = line.split(" ");
    if (!device || !mount || !fstype || !REAL_FILESYSTEMS.has(fstype) || seen.has(device) || ignore.includes(mount))
      continue;
    seen.add(device);
    const stats = await statfs(mount).catch(() => undefined);
    if (!stats) continue;
    found.push({
      mount,
      totalBytes: stats.blocks * stats.bsize,
      usedBytes: (stats.blocks - stats.bfree) * stats.bsize,
    });
  }
  return found;
}

async function networkBytes(): Promise<{ rx: number; tx: number }> {
  let rx = 0;
  let tx = 0;
  for (const line of (await readFile("/proc/net/dev", "utf8")).split("\n").slice(2)) {
    const [name, rest] = line.split(":");
    const iface = name?.trim() ?? "";
    // Physical and VPN interfaces only: loopback and Docker's own bridges and veths would double count.
    if (!rest || iface === "lo" || /^(veth|br-|docker)/.test(iface)) continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}

export class StatsSampler {
  private timer: NodeJS.Timeout | undefined;
  private last:
    | { at: number; cpu: CpuTimes; net: { rx: number; tx: number }; containers: Map<string, [number, number]> }
    | undefined;
  private sample: HostStats | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly options: { intervalMs: number; ignoreMounts?: readonly string[] },
  ) {}

  start(): void {
    const tick = () => {
      this.collect().catch(() => undefined);
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  latest(): HostStats | undefined {
    return this.sample;
  }

  async collect(): Promise<HostStats> {
    const now = Date.now();
    const [cpu, net, mem, diskList, containers] = await Promise.all([
      cpuTimes(),
      networkBytes(),
      memory(),
      disks(this.options.ignoreMounts ?? []),
      this.engine.listContainers({ labels: [] }).catch(() => []),
    ]);
    const previous = this.last;
    const seconds = previous ? (now - previous.at) / 1000 : 0;
    const cpuPercent =
      previous && cpu.total > previous.cpu.total
        ? 100 * (1 - (cpu.idle - previous.cpu.idle) / (cpu.total - previous.cpu.total))
        : 0;
    const containerTimes = new Map<string, [number, number]>();
    const containerStats = await Promise.all(
      containers.map(async (c) => {
        const stats = await this.engine.stats(c.Id).catch(() => undefined);
        if (!stats) return undefined;
        const usage = stats.cpu_stats.cpu_usage.total_usage;
        const system = stats.cpu_stats.system_cpu_usage ?? 0;
        containerTimes.set(c.Id, [usage, system]);
        const before = previous?.containers.get(c.Id);
        const cpus = stats.cpu_stats.online_cpus ?? 1;
        const cpuShare = before && system > before[1] ? ((usage - before[0]) / (system - before[1])) * cpus * 100 : 0;
        const cache = stats.memory_stats.stats?.inactive_file ?? stats.memory_stats.stats?.cache ?? 0;
        return {
          id: c.Id,
          name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
          project: c.Labels["com.docker.compose.project"] ?? "",
          cpuPercent: Math.max(0, cpuShare),
          memoryBytes: Math.max(0, (stats.memory_stats.usage ?? 0) - cache),
        };
      }),
    );
    this.last = { at: now, cpu, net, containers: containerTimes };
    this.sample = {
      at: new Date(now).toISOString(),
      cpuPercent: Math.max(0, Math.min(100, cpuPercent)),
      load: loadavg() as [number, number, number],
      ...mem,
      disks: diskList,
      network: {
        rxBytesPerSecond: previous && seconds > 0 ? Math.max(0, (net.rx - previous.net.rx) / seconds) : 0,
        txBytesPerSecond: previous && seconds > 0 ? Math.max(0, (net.tx - previous.net.tx) / seconds) : 0,
      },
      containers: containerStats.filter((c): c is NonNullable<typeof c> => c !== undefined),
    };
    return this.sample;
  }
}
