// Issue 15 on the agent: it ships every line of a deployed stack's containers
// exactly once and in order, its secrets masked, a container labelled
// tugboat.logs=false left out; with a small buffer its followers pause and
// resume instead of dropping; a container restart and an agent restart lose
// and duplicate nothing. The ground truth is `docker logs` of the container.
import { randomBytes } from "node:crypto";
import { advanceCursor, LOG_WAIT_MAX_MS, type LogBatch, type LogCursor, type ShippedLine } from "@tugboat/protocol";
import {
  daemonHost,
  docker,
  type GitRepo,
  gitRepo,
  sharedDaemons,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const SECRET = `s3cret-${id}`;
// A burst of 300 lines, then one line every 50 ms: "n 1", "n 2", … after its token.
const COMPOSE = `services:
  app:
    image: local/busybox:1
    init: true
    environment:
      TOKEN: \${TOKEN}
    command: ["sh", "-c", "echo token=$$TOKEN; i=1; while [ $$i -le 300 ]; do echo n $$i; i=$$((i+1)); done; while true; do echo n $$i; i=$$((i+1)); sleep 0.05; done"]
  quiet:
    image: local/busybox:1
    init: true
    labels:
      tugboat.logs: "false"
    command: ["sh", "-c", "echo should not ship; exec sleep 2147483647"]
`;

/** What core does with batches, in memory: store, advance cursors, acknowledge. */
class Collector {
  epoch = "";
  after = 0;
  pauses = 0;
  readonly cursors = new Map<string, LogCursor>();
  readonly lines: ShippedLine[] = [];

  async poll(agent: TestAgent): Promise<void> {
    const request = {
      epoch: this.epoch,
      after: this.after,
      waitMs: 300,
      max: 1000,
      ...(this.epoch === ""
        ? { cursors: Object.fromEntries(this.cursors), from: new Date(Date.now() - 86_400_000).toISOString() }
        : {}),
    };
    const { status, body } = await agent.json<LogBatch>("POST", "/logs/batch", request);
    expect(status).toBe(200);
    if (body.epoch !== this.epoch) {
      this.epoch = body.epoch;
      this.after = 0;
    }
    for (const line of body.lines) {
      this.lines.push(line);
      this.cursors.set(line.container, advanceCursor(this.cursors.get(line.container), line.ts));
      this.after = Math.max(this.after, line.seq);
    }
    this.pauses = Math.max(this.pauses, body.pauses);
  }

  async until(agent: TestAgent, done: () => boolean, what: string): Promise<void> {
    await waitFor(
      async () => {
        await this.poll(agent);
        return done();
      },
      { what, timeoutMs: 60_000, intervalMs: 0 },
    );
  }

  of(container: string): string[] {
    return this.lines.filter((l) => l.container === container).map((l) => l.line);
  }
}

const lastN = (lines: readonly string[]) => Number(lines.at(-1)?.split(" ")[1] ?? 0);

describe.skipIf(daemons.skipReason !== "")("log shipping on the agent", () => {
  let agent: TestAgent;
  /** Kept across the agent's restart, as a host keeps /var/lib/tugboat-agent. */
  let root: TempDir;
  let repo: GitRepo;
  let host: string;
  let container: string;
  const project = `logs-${id}`;
  const core = new Collector();

  /** `docker logs` of the container, the secret masked as the agent masks it: the ground truth. */
  const truth = async () =>
    (await docker(host, ["logs", container])).stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => line.replaceAll(SECRET, "***"));

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    root = await tempDir("tug-agent-logs-");
    agent = await startTestAgent(host, { root: root.path, settings: { log_buffer_lines: 100 } });
    repo = await gitRepo();
    await repo.write("stack/compose.yaml", COMPOSE);
    const commit = await repo.commitAndPush("logs");
    const { result } = await agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: "stack",
      environment: `TOKEN=${SECRET}\n`,
      secrets: [SECRET],
      timeoutSeconds: 60,
    });
    expect(result?.ok).toBe(true);
    container = (
      await docker(host, [
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        `label=com.docker.compose.service=app`,
        "--filter",
        `label=com.docker.compose.project=${project}`,
      ])
    ).stdout.trim();
  });

  afterAll(async () => {
    await removeProjects(host, [project]);
    await agent?.stop();
    await repo?.cleanup();
    await root?.cleanup();
  });

  it("asks for core's cursors before it follows anything, and says how long it holds a long-poll", async () => {
    const { body } = await agent.json<LogBatch>("POST", "/logs/batch", {
      epoch: "someone-else",
      waitMs: LOG_WAIT_MAX_MS,
    });
    expect(body).toMatchObject({ epoch: "", lines: [], longestWaitMs: LOG_WAIT_MAX_MS });
    const tooLong = await agent.json("POST", "/logs/batch", { epoch: "someone-else", waitMs: LOG_WAIT_MAX_MS + 1 });
    expect(tooLong.status).toBe(400);
  });

  it("ships every line once and in order, masked, leaving out a labelled container; a small buffer pauses, not drops", async () => {
    await core.until(agent, () => lastN(core.of(container)) >= 320, "n 320 shipped");
    const shipped = core.of(container);
    expect(shipped[0]).toBe("token=***");
    expect(shipped.slice(1, 321)).toEqual(Array.from({ length: 320 }, (_, i) => `n ${i + 1}`));
    expect((await truth()).slice(0, shipped.length)).toEqual(shipped);
    expect(core.lines.some((l) => l.line.includes("should not ship") || l.line.includes(SECRET))).toBe(false);
    expect(core.lines[1]).toMatchObject({ stack: project, service: "app", stream: "stdout" });
    // 300 lines at once into a 100-line buffer: followers had to wait for core.
    expect(core.pauses).toBeGreaterThan(0);
  });

  it("a container restart loses and duplicates nothing", async () => {
    await docker(host, ["restart", "-t", "1", container]);
    await core.until(
      agent,
      () => core.of(container).filter((l) => l === "token=***").length === 2 && lastN(core.of(container)) >= 320,
      "the restarted container's n 320",
    );
    const shipped = core.of(container);
    expect((await truth()).slice(0, shipped.length)).toEqual(shipped);
  });

  it("an agent restart resumes from core's cursors: no line twice, none missing", async () => {
    await agent.stop();
    // The container goes on printing while no agent reads it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    agent = await startTestAgent(host, { root: root.path, settings: { log_buffer_lines: 100 } });
    const before = lastN(core.of(container));
    await core.until(agent, () => lastN(core.of(container)) >= before + 60, "lines after the agent restart");
    const shipped = core.of(container);
    expect((await truth()).slice(0, shipped.length)).toEqual(shipped);
  });
});
