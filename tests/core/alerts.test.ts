// Metrics and alerts from real agents on private dockerds: a container in a
// restart loop raises one stack alert and resolves it once fixed; a stopped
// agent is "unreachable" after two polls and resolves on return; every
// alerter format reaches a local receiver (SMTP: a local sink); a maintenance
// window suppresses; a failing endpoint is retried, then recorded as failed.
import type { RunningAgent } from "@tugboat/agent";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  type GitRepo,
  gitRepo,
  type HttpReceiver,
  httpReceiver,
  type SmtpSink,
  sharedDaemons,
  smtpSink,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, login, removeProjects, startTestAgent, startTestCore } from "./fixture.js";

const daemons = sharedDaemons();

interface Alert {
  id: string;
  type: string;
  targetName: string;
  severity: string;
  status: string;
  message: string;
  suppressed: boolean;
}

const flapping = `services:
  app:
    image: local/busybox:1
    command: ["sh", "-c", "sleep 2; exit 3"]
    restart: always
`;
const steady = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    restart: unless-stopped
`;
const broken = `services:
  app:
    image: local/busybox:1
    command: ["sh", "-c", "exit 1"]
    restart: "no"
`;

describe.skipIf(daemons.skipReason !== "")("alerts and metrics", () => {
  const dirs: TempDir[] = [];
  let agentDir: TempDir;
  let agent: RunningAgent;
  let agentPort: number;
  let host: string;
  let repo: GitRepo;
  let receiver: HttpReceiver;
  let smtp: SmtpSink;
  let core: RunningCore;
  let token: string;
  const id = Math.random().toString(16).slice(2, 8);
  const project = (stack: string) => `${stack}-${id}`;

  const api = apiClient(
    () => core.url,
    () => token,
  );
  const alerts = async (query = "status=all") => (await api<Alert[]>("GET", `/api/alerts?${query}`)).body;
  const pollUntil = <T>(what: string, check: () => Promise<T | undefined>) =>
    waitFor(
      async () => {
        await core.pollStatus();
        return check();
      },
      { what, timeoutMs: 90_000, intervalMs: 700 },
    );
  const startMyAgent = (port: number) => startTestAgent({ dockerHost: host, root: agentDir.path, port });

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agentDir = await tempDir("tug-alerts-agent-");
    dirs.push(agentDir);
    agent = await startMyAgent(0);
    agentPort = agent.port;
    receiver = await httpReceiver((path) => (path.startsWith("/down") ? 503 : 200));
    smtp = await smtpSink();

    // A Daily window that started ten minutes ago, in UTC.
    const start = new Date(Date.now() - 10 * 60_000);
    repo = await gitRepo();
    await repo.write(
      "syncs/servers.toml",
      `[[server]]
name = "alpha"
[server.config]
address = "${agent.url}"
fingerprint = "${agent.fingerprint}"
enabled = true
send_cpu_alerts = false
send_disk_alerts = false
# Any real host uses more than 1% of its memory: a warning that must open.
mem_warning = 1
mem_critical = 100

[[server]]
name = "quiet"
[server.config]
address = "https://127.0.0.1:1"
enabled = true
[[server.config.maintenance_windows]]
name = "patching"
schedule_type = "Daily"
hour = ${start.getUTCHours()}
minute = ${start.getUTCMinutes()}
duration_minutes = 60
timezone = "UTC"
`,
    );
    const stack = (name: string) =>
      `[[stack]]\nname = "${name}"\n[stack.config]\nserver = "alpha"\nproject_name = "${project(name)}"\nrun_directory = "stacks/${name}"\n\n`;
    await repo.write("syncs/stacks.toml", stack("flappy") + stack("broken"));
    await repo.write("stacks/flappy/compose.yaml", flapping);
    await repo.write("stacks/broken/compose.yaml", broken);
    const alerter = (name: string, type: string, params: string, extra = "") =>
      `[[alerter]]\nname = "${name}"\n[alerter.config]\nendpoint.type = "${type}"\nendpoint.params = { ${params} }\n${extra}\n`;
    await repo.write(
      "syncs/alerters.toml",
      [
        alerter("phone", "Ntfy", `url = "${receiver.url}/ntfy/tugboat"`),
        alerter("discord", "Discord", `url = "${receiver.url}/discord/hook"`),
        alerter("slack", "Slack", `url = "${receiver.url}/slack/hook"`),
        alerter("hook", "Custom", `url = "${receiver.url}/custom"`),
        alerter("pushover", "Pushover", `url = "${receiver.url}/pushover?token=app-token&user=user-key"`),
        alerter(
          "mail",
          "Smtp",
          `host = "127.0.0.1", port = ${smtp.port}, username = "tug", password = "pw", from = "tug@example.test", to = "ops@example.test"`,
        ),
        alerter("flaky", "Custom", `url = "${receiver.url}/down"`, `alert_types = ["ServerMem"]`),
      ].join("\n"),
    );
    await repo.commitAndPush("fleet with alerters");

    const data = await tempDir("tug-alerts-core-");
    dirs.push(data);
    core = await startTestCore({
      dataDir: data.path,
      syncRepo: repo.remote,
      // The receivers listen on loopback, as a LAN ntfy would: alerters must be let reach it.
      settings: { alert_retry_seconds: [0.1, 0.1], alerter_allow_private: true },
    });
    token = await login(core.url);
    await waitFor(
      async () => {
        const [sync] = (await api<Array<{ status: string }>>("GET", "/api/syncs")).body;
        return sync && sync.status !== "never" ? sync : undefined;
      },
      { what: "the first sync", timeoutMs: 120_000 },
    );
  });

  afterAll(async () => {
    await core?.close();
    await agent?.close();
    if (host) await removeProjects(host, [project("flappy"), project("broken")]);
    await receiver?.close();
    await smtp?.close();
    await repo?.cleanup();
    for (const dir of dirs) await dir.cleanup();
  });

  it("raises exactly one alert for a container in a restart loop, and resolves it once fixed", async () => {
    const open = await pollUntil("the restart-loop alert", async () =>
      (await alerts("status=open&type=StackStateChange")).find((a) => a.targetName === "flappy"),
    );
    expect(open.message).toMatch(/restart loop/);
    // More polls while it keeps restarting: still one alert.
    for (let i = 0; i < 4; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await core.pollStatus();
    }
    expect((await alerts("type=StackStateChange&status=all")).filter((a) => a.targetName === "flappy")).toHaveLength(1);

    await repo.write("stacks/flappy/compose.yaml", steady);
    await repo.commitAndPush("fix flappy");
    const run = await api<{ status: string }>("POST", "/api/syncs/root/run");
    expect(run.status).toBe(202);
    const resolved = await pollUntil("the restart-loop alert to resolve", async () => {
      const mine = (await alerts("type=StackStateChange")).filter((a) => a.targetName === "flappy");
      return mine.length === 1 && mine[0]?.status === "resolved" ? mine[0] : undefined;
    });
    expect(resolved.id).toBe(open.id);
    await core.alertsDelivered();
    const ntfy = receiver.requests.filter((r) => r.path === "/ntfy/tugboat" && r.body.includes("flappy"));
    expect(ntfy.map((r) => String(r.headers.title).split(" ")[0])).toEqual(["CRITICAL", "RESOLVED"]);
  });

  it("opens a deploy-failed alert for a stack whose service exits with an error", async () => {
    const [deploy] = (await alerts("type=StackDeployFailed")).filter((a) => a.targetName === "broken");
    expect(deploy?.status).toBe("open");
    expect(deploy?.message).toMatch(/exited with code 1/);
  });

  it("delivers in each alerter's own format", async () => {
    await pollUntil("the memory warning", async () =>
      (await alerts("status=open&type=ServerMem")).find((a) => a.targetName === "alpha"),
    );
    await core.alertsDelivered();
    const about = (path: string) =>
      receiver.requests.filter((r) => r.path.startsWith(path) && r.body.includes("alpha: memory"));
    const [ntfy] = about("/ntfy/tugboat");
    expect(ntfy?.headers.title).toBe("WARNING ServerMem: server alpha");
    expect(ntfy?.headers.priority).toBe("high");
    const [discord] = about("/discord/hook");
    expect(JSON.parse(discord?.body ?? "{}").content).toMatch(/^\*\*WARNING ServerMem: server alpha\*\*\n/);
    const [slack] = about("/slack/hook");
    const slackBody = JSON.parse(slack?.body ?? "{}");
    expect(slackBody.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "WARNING ServerMem: server alpha" },
    });
    const [custom] = about("/custom");
    expect(JSON.parse(custom?.body ?? "{}")).toMatchObject({
      event: "open",
      alert: { type: "ServerMem", targetName: "alpha", severity: "warning", status: "open" },
    });
    const form = receiver.requests
      .filter((r) => r.path === "/pushover")
      .map((r) => new URLSearchParams(r.body))
      .find((f) => f.get("message")?.includes("alpha: memory"));
    expect([form?.get("token"), form?.get("user"), form?.get("title")]).toEqual([
      "app-token",
      "user-key",
      "WARNING ServerMem: server alpha",
    ]);
    const mail = smtp.messages.find((m) => m.raw.includes("Subject: [Tugboat] WARNING ServerMem"));
    expect(mail).toMatchObject({ from: "tug@example.test", to: ["ops@example.test"], user: "tug" });
  });

  it("retries a failing endpoint, then records the delivery as failed", async () => {
    const [mem] = await alerts("status=open&type=ServerMem");
    await core.alertsDelivered();
    const detail = await api<{
      deliveries: Array<{ alerter: string; status: string; attempts: number; lastError: string }>;
    }>("GET", `/api/alerts/${mem?.id}`);
    const flaky = detail.body.deliveries.find((d) => d.alerter === "flaky");
    expect(flaky).toMatchObject({ status: "failed", attempts: 3 });
    // The status only: nothing the endpoint answered is kept.
    expect(flaky?.lastError).toMatch(/answered HTTP 503$/);
    expect(receiver.requests.filter((r) => r.path === "/down")).toHaveLength(3);
    expect(
      detail.body.deliveries
        .filter((d) => d.status === "sent")
        .map((d) => d.alerter)
        .sort(),
    ).toEqual(["discord", "hook", "mail", "phone", "pushover", "slack"]);
  });

  it("suppresses alerts of a server inside its maintenance window", async () => {
    const quiet = await pollUntil("the quiet server's unreachable alert", async () =>
      (await alerts("type=ServerUnreachable")).find((a) => a.targetName === "quiet"),
    );
    expect(quiet.suppressed).toBe(true);
    await core.alertsDelivered();
    expect(receiver.requests.filter((r) => r.body.includes("quiet"))).toEqual([]);
  });

  it("raises unreachable after two polls of a stopped agent, and resolves when it returns", async () => {
    await agent.close();
    await core.pollStatus();
    const afterOne = (await alerts("type=ServerUnreachable")).filter((a) => a.targetName === "alpha");
    expect(afterOne).toEqual([]);
    await core.pollStatus();
    const [open] = (await alerts("type=ServerUnreachable")).filter((a) => a.targetName === "alpha");
    expect(open).toMatchObject({ status: "open", severity: "critical", suppressed: false });

    agent = await startMyAgent(agentPort);
    await core.pollStatus();
    const [after] = (await alerts("type=ServerUnreachable")).filter((a) => a.targetName === "alpha");
    expect(after).toMatchObject({ id: open?.id, status: "resolved" });
  });

  it("keeps metrics history for servers and stacks, and exports Prometheus metrics", async () => {
    const server = await api<{ resolution: string; timestamps: number[]; series: Record<string, { avg: number[] }> }>(
      "GET",
      "/api/servers/alpha/stats?resolution=raw",
    );
    expect(server.status).toBe(200);
    expect(server.body.resolution).toBe("raw");
    // The agent samples on its own clock: polls between two samples store nothing twice.
    const times = server.body.timestamps;
    expect(times.length).toBeGreaterThanOrEqual(1);
    expect(new Set(times).size).toBe(times.length);
    expect(server.body.series["mem.total"]?.avg[0]).toBeGreaterThan(0);
    expect(Object.keys(server.body.series).some((k) => k.startsWith("c:"))).toBe(false);

    const stack = await api<{ series: Record<string, { avg: number[] }> }>("GET", "/api/stacks/flappy/stats");
    expect(Object.keys(stack.body.series).some((k) => k.includes("app") && k.endsWith(".mem"))).toBe(true);

    const bad = await api<{ error: { code: string } }>("GET", "/api/servers/alpha/stats?from=yesterday");
    expect(bad.status).toBe(400);

    const metrics = await fetch(`${core.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await metrics.text();
    expect(text).toMatch(/^tug_server_up\{server="alpha",region=""\} 1$/m);
    expect(text).toMatch(/^tug_stack_state\{stack="flappy",server="alpha",state="running"\} 1$/m);
    expect(text).toMatch(/^tug_updates_total\{operation="deploy",result="failed"\} [1-9]/m);
    expect(text).toMatch(/^tug_alerts_open\{type="StackDeployFailed",severity="critical"\} 1$/m);
    expect((await fetch(`${core.url}/metrics`)).status).toBe(401);
  });

  it("sends a test alert through one alerter on request", async () => {
    const before = receiver.requests.length;
    const test = await api<{ status: string; event: string }>("POST", "/api/alerters/slack/test");
    expect(test.body).toMatchObject({ status: "sent", event: "test" });
    const sent = receiver.requests.slice(before);
    expect(sent.map((r) => r.path)).toEqual(["/slack/hook"]);
    expect(JSON.parse(sent[0]?.body ?? "{}").text).toMatch(/^TEST alert from Tugboat/);
  });
});
