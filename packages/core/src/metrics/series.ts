// A host stats sample as flat named series: `cpu`, `mem.used`, `disk:/var.used`,
// `c:<project>/<container>.cpu`, … so one storage format holds host and container data.
import type { HostStats } from "@tugboat/protocol";

export type SeriesValues = Record<string, number>;

export const CONTAINER_PREFIX = "c:";

export function seriesOf(stats: HostStats): SeriesValues {
  const values: SeriesValues = {
    cpu: stats.cpuPercent,
    load1: stats.load[0],
    load5: stats.load[1],
    load15: stats.load[2],
    "mem.used": stats.memory.usedBytes,
    "mem.total": stats.memory.totalBytes,
    "swap.used": stats.swap.usedBytes,
    "swap.total": stats.swap.totalBytes,
    "net.rx": stats.network.rxBytesPerSecond,
    "net.tx": stats.network.txBytesPerSecond,
  };
  for (const disk of stats.disks) {
    values[`disk:${disk.mount}.used`] = disk.usedBytes;
    values[`disk:${disk.mount}.total`] = disk.totalBytes;
  }
  for (const container of stats.containers) {
    const key = `${CONTAINER_PREFIX}${container.project}/${container.name}`;
    values[`${key}.cpu`] = container.cpuPercent;
    values[`${key}.mem`] = container.memoryBytes;
  }
  return values;
}

/** The prefix selecting one stack's containers (its Compose project). */
export function stackPrefix(project: string): string {
  return `${CONTAINER_PREFIX}${project}/`;
}
