// Loaded with `node --import` into a process under soak (core, agent): every
// TUG_PROBE_SECONDS it appends the process's memory to TUG_PROBE_FILE, as one
// JSON line. With --expose-gc the heap is read after a full collection, so a
// reading is what is live, not what the collector has yet to reclaim;
// TUG_PROBE_GC=0 never collects (a process whose CPU is being measured).
// Beside RSS and the heap in use, a sample says where the resident memory is:
// what V8 has committed per heap space, and the kernel's split of RSS into
// anonymous memory (V8's pages, malloc, thread stacks) and file pages (code,
// mapped files such as SQLite's -shm), from /proc/self/smaps_rollup. And how
// long the event loop was held up since the last sample (its longest delay and
// 99th percentile) and the longest garbage collection pause in that time: what
// a request arriving then waited for.
import { appendFileSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";

const file = process.env.TUG_PROBE_FILE;
const every = Number(process.env.TUG_PROBE_SECONDS ?? 60) * 1000;

/** kB fields of /proc/self/smaps_rollup, in bytes; empty where the kernel has no such file. */
function rollup() {
  const fields = {};
  try {
    for (const match of readFileSync("/proc/self/smaps_rollup", "utf8").matchAll(/^(\w+):\s+(\d+) kB$/gm))
      if (["Rss", "Anonymous", "Shared_Clean", "Private_Clean", "Private_Dirty"].includes(match[1]))
        fields[match[1]] = Number(match[2]) * 1024;
  } catch {}
  return fields;
}

if (file) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let longestGc = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longestGc = Math.max(longestGc, entry.duration);
  }).observe({ entryTypes: ["gc"] });
  const sample = () => {
    const before = process.memoryUsage().rss;
    if (process.env.TUG_PROBE_GC !== "0") globalThis.gc?.();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
    const line = {
      at: Date.now(),
      rssBeforeGc: before,
      rss,
      heapUsed,
      heapTotal,
      external,
      arrayBuffers,
      spaces,
      smaps: rollup(),
      cpu: process.cpuUsage(),
      // ms, since the last sample (with forced collections, the longest pause may be the probe's own)
      loopDelay: { max: loop.max / 1e6, p99: loop.percentile(99) / 1e6 },
      longestGc,
    };
    loop.reset();
    longestGc = 0;
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  setTimeout(sample, 1000).unref();
  setInterval(sample, every).unref();
}
