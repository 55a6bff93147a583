// Loaded with `node --import` into a process under soak (core, agent): every
// TUG_PROBE_SECONDS it appends the process's memory to TUG_PROBE_FILE, as one
// JSON line. With --expose-gc the heap is read after a full collection, so a
// reading is what is live, not what the collector has yet to reclaim;
// TUG_PROBE_GC=0 never collects (a process whose CPU is being measured).
import { appendFileSync } from "node:fs";

const file = process.env.TUG_PROBE_FILE;
const every = Number(process.env.TUG_PROBE_SECONDS ?? 60) * 1000;
if (file) {
  const sample = () => {
    const before = process.memoryUsage().rss;
    if (process.env.TUG_PROBE_GC !== "0") globalThis.gc?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    const line = { at: Date.now(), rssBeforeGc: before, rss, heapUsed, external, cpu: process.cpuUsage() };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  setTimeout(sample, 1000).unref();
  setInterval(sample, every).unref();
}
