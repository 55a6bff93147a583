// The floor under core's status round in bench/scale.ts, in its own process
// so its CPU is its own: a bare Node client asks every simulated agent what
// core's round asks (POST /poll: stats and ten stacks, with the tags of the
// statuses it holds), once a round, each agent at the same spot in the round
// core gives it, over one kept-alive HTTPS connection per agent. Nothing is
// stored or judged. What core spends above it is core's own work; what this
// spends is the cost of the requests themselves on this host.
// argv: <rounds> <stacks per server> <interval ms> <url>...; prints the CPU (ms) of each round as JSON.
import { Agent, request } from "node:https";
import { offsetOf } from "../packages/core/src/monitor/status-poller.js";

const [rounds = "2", stacksPerServer = "10", intervalArg = "15000", ...urls] = process.argv.slice(2);
const interval = Number(intervalArg);
// The simulated agents share one self-signed certificate; core pins its fingerprint, this does not check it.
const agent = new Agent({ keepAlive: true, maxCachedSessions: 0, rejectUnauthorized: false });
const held = new Map<string, Map<string, string>>();

function poll(url: string, server: string): Promise<void> {
  const tags = held.get(server) ?? new Map<string, string>();
  const stacks = Array.from({ length: Number(stacksPerServer) }, (_, j) => {
    const stack = `st${server.slice(1)}-${j}`;
    const seen = tags.get(stack);
    return { stack, project: stack, ...(seen ? { seen } : {}) };
  });
  const body = JSON.stringify({ stats: true, stacks });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/poll`,
      {
        method: "POST",
        agent,
        timeout: 30_000,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("error", reject);
        res.on("end", () => {
          try {
            const reply = JSON.parse(text) as { statuses: Array<{ stack: string; tag?: string; unchanged?: string }> };
            for (const s of reply.statuses) tags.set(s.stack, s.tag ?? s.unchanged ?? "");
            held.set(server, tags);
            resolve();
          } catch (error) {
            reject(new Error(`${url}/poll answered ${res.statusCode} with no statuses: ${String(error)}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url} did not answer`)));
    req.on("error", reject);
    req.end(body);
  });
}

const servers = urls.map((url, i) => ({ url, name: `s${i}` }));
const round = (spread: boolean) =>
  Promise.all(
    servers.map(({ url, name }) =>
      spread
        ? new Promise((resolve) => setTimeout(resolve, offsetOf(name, interval))).then(() => poll(url, name))
        : poll(url, name),
    ),
  );
// The first round opens the connections and learns the tags, as core's first rounds do.
await round(false);
const cpu: number[] = [];
for (let r = 0; r < Number(rounds); r += 1) {
  const before = process.cpuUsage();
  const started = performance.now();
  await round(true);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - (performance.now() - started))));
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
}
agent.destroy();
process.stdout.write(`${JSON.stringify({ cpu })}\n`);
