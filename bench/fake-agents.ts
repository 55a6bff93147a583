// bench/fake-agents.ts: N agents simulated at the protocol level, in a process
// of their own (so core's CPU time is core's alone): each answers /health,
// /stats, /poll, /stacks/status and /stacks/:name/status, /stacks/:name/deploy (a result at once) and
// /checks over HTTPS with one shared self-signed certificate. Prints one JSON
// line `{ "url": [...], "fingerprint": "…" }` once listening.
// BENCH_FAKE_IMAGES (JSON `[{ "image", "digest" }]`) makes stack k's two
// services run images k and 7k+3 of that list, as pulled from their registry;
// without it, both run the local busybox image. BENCH_FAKE_LOG_LINES makes
// each agent ship that many log lines (bench/log-lines.ts) through
// /logs/batch, as fast as core asks for them. BENCH_FAKE_LONG_POLL=1 makes an
// agent with no lines hold the request as long as core asks (waitMs), and say
// the longest it accepts, as a real one does; otherwise it answers after 200 ms. BENCH_FAKE_NO_POLL=1 leaves out
// /poll, as agents before it (core then asks /health, /stats, /stacks/status).
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tagStatuses } from "@tugboat/agent";
import { LOG_WAIT_MAX_MS } from "@tugboat/protocol";
import { selfSignedCertificate, tempDir } from "@tugboat/testkit";
import { logLine } from "./log-lines.js";

const COUNT = Number(process.argv[2] ?? 50);
const VERSION = process.argv[3] ?? "0.0.0";
const LOG_LINES = Number(process.env.BENCH_FAKE_LOG_LINES ?? 0);
const LONG_POLL = process.env.BENCH_FAKE_LONG_POLL === "1";
const NO_POLL = process.env.BENCH_FAKE_NO_POLL === "1";
const IMAGES = JSON.parse(process.env.BENCH_FAKE_IMAGES ?? "[]") as Array<{ image: string; digest: string }>;

/** The image a service of project `st<i>-<j>` runs: from BENCH_FAKE_IMAGES, or the local busybox. */
function imageOf(project: string, service: string) {
  const [i = 0, j = 0] = (/^st(\d+)-(\d+)$/.exec(project) ?? []).slice(1).map(Number);
  const k = i * 10 + j;
  const chosen = IMAGES[(service === "app" ? k : k * 7 + 3) % Math.max(IMAGES.length, 1)];
  if (!chosen) return { image: "local/busybox:1", repoDigests: [], platform: "linux/amd64" };
  const repository = chosen.image.slice(0, chosen.image.lastIndexOf(":"));
  return { image: chosen.image, repoDigests: [`${repository}@${chosen.digest}`], platform: "linux/amd64" };
}

const container = (project: string, service: string) => ({
  service,
  name: `${project}-${service}-1`,
  id: `${project}-${service}`.padEnd(64, "0"),
  state: "running",
  health: "healthy",
  exitCode: 0,
  imageDigest: "sha256:0000000000000000000000000000000000000000000000000000000000000001",
  imageId: `sha256:${"1".repeat(64)}`,
  created: "2026-12-01T00:00:00.000Z",
  restartCount: 0,
  skip: false,
  configHash: `hash-${service}`,
  failingStreak: 0,
  ...imageOf(project, service),
});
const containers = (project: string) => [container(project, "app"), container(project, "db")];

const stats = () => ({
  at: new Date().toISOString(),
  cpuPercent: 3,
  load: [0.1, 0.1, 0.1],
  memory: { totalBytes: 8e9, usedBytes: 2e9 },
  swap: { totalBytes: 0, usedBytes: 0 },
  disks: [{ mount: "/", totalBytes: 1e11, usedBytes: 4e10 }],
  network: { rxBytesPerSecond: 1000, txBytesPerSecond: 1000 },
  containers: [],
});

function body(req: import("node:http").IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => resolve(text));
  });
}

const dir = await tempDir("tug-fake-agents-");
const certificate = await selfSignedCertificate(dir.path);
const urls: string[] = [];
/** An agent's shipping: lines numbered from 1, timestamps a microsecond apart. */
function logBatch(
  agent: number,
  state: { sent: number },
  request: { after?: number; max?: number; cursors?: unknown },
) {
  if (request.cursors) state.sent = 0;
  const count = Math.min(request.max ?? 500, LOG_LINES - state.sent);
  const lines = Array.from({ length: count }, (_, i) => {
    const n = state.sent + i + 1;
    const ts = new Date(Date.UTC(2026, 11, 6) + Math.floor(n / 1000))
      .toISOString()
      .replace("Z", `${String(n % 1000).padStart(3, "0")}000Z`);
    return {
      seq: n,
      ts,
      stack: `st${agent}-0`,
      service: "app",
      container: `c${agent}`.padEnd(64, "0"),
      stream: "stdout",
      line: logLine(n),
    };
  });
  state.sent += count;
  return {
    epoch: "bench",
    lines,
    following: 1,
    paused: 0,
    pauses: 0,
    ...(LONG_POLL ? { longestWaitMs: LOG_WAIT_MAX_MS } : {}),
  };
}

for (let i = 0; i < COUNT; i++) {
  const shipping = { sent: 0 };
  const server = createServer({ key: certificate.key, cert: certificate.cert }, async (req, res) => {
    const path = new URL(req.url ?? "/", "https://agent").pathname;
    const json = (value: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (path === "/health") return json({ status: "ok", version: VERSION, fingerprint: certificate.fingerprint });
    if (path === "/stats") return json(stats());
    if (path === "/logs/batch") {
      const request = JSON.parse(await body(req)) as {
        after?: number;
        max?: number;
        cursors?: unknown;
        waitMs?: number;
      };
      const batch = logBatch(i, shipping, request);
      // Nothing left: answer after a moment, as a long-poll would.
      if (batch.lines.length === 0)
        await new Promise((resolve) =>
          setTimeout(resolve, LONG_POLL ? Math.min(request.waitMs ?? 200, LOG_WAIT_MAX_MS) : 200),
        );
      return json(batch);
    }
    if (path === "/checks") {
      const request = JSON.parse(await body(req)) as { checks: Array<{ name: string }> };
      return json({ results: request.checks.map((c) => ({ name: c.name, ok: true, latencyMs: 2, detail: "200 OK" })) });
    }
    const statuses = (stacks: Array<{ stack: string; project: string }>) =>
      stacks.map(({ stack, project }) => ({ stack, project, commit: null, containers: containers(project) }));
    if (path === "/stacks/status" && req.method === "POST") {
      const request = JSON.parse(await body(req)) as { stacks: Array<{ stack: string; project: string }> };
      return json({ statuses: statuses(request.stacks) });
    }
    // As agents before it had no such route: BENCH_FAKE_NO_POLL=1.
    if (path === "/poll" && req.method === "POST" && !NO_POLL) {
      const request = JSON.parse(await body(req)) as {
        stats: boolean;
        stacks: Array<{ stack: string; project: string; seen?: string }>;
      };
      // Tagged as the agent tags them: a status core holds comes back as its tag alone.
      const seen = new Map(request.stacks.map((s) => [s.stack, s.seen]));
      return json({
        health: { status: "ok", version: VERSION, fingerprint: certificate.fingerprint },
        stats: request.stats ? stats() : null,
        statuses: tagStatuses(statuses(request.stacks), seen),
      });
    }
    const match = /^\/stacks\/([^/]+)\/(status|deploy)$/.exec(path);
    if (match?.[2] === "status") {
      const project = new URL(req.url ?? "/", "https://agent").searchParams.get("project") ?? "";
      return json({ stack: match[1], project, commit: null, containers: containers(project) });
    }
    if (match?.[2] === "deploy") {
      const request = JSON.parse(await body(req)) as { commit: string; projectName: string };
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(
        `${JSON.stringify({
          type: "result",
          ok: true,
          action: "deploy",
          stack: match[1],
          commit: request.commit,
          durationMs: 1,
          failures: [],
          warnings: [],
          steps: [],
          containers: containers(request.projectName),
        })}\n`,
      );
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "E_NOT_FOUND", message: path } }));
  });
  // As a real agent: core's idle connection outlives the 15 s between status rounds.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  urls.push(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
}
process.stdout.write(`${JSON.stringify({ urls, fingerprint: certificate.fingerprint })}\n`);
process.once("SIGTERM", () => {
  dir.cleanup().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
