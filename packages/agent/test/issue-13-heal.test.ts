// Issue 13 on the agent: a heal brings back the last good deploy (its commit
// and environment) and refuses another commit; a stack deployed before the
// agent kept last good deploys (an upgrade) is healed from its checkout as
// recorded; and a failed deploy with `rollback` brings the last good one back.
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { StackStatus } from "@tugboat/protocol";
import { daemonHost, docker, type GitRepo, gitRepo, sharedDaemons } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const COMPOSE = (check: string) => `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "echo $$GREETING; exec sleep 2147483647"]
    environment:
      GREETING: \${GREETING}
    healthcheck:
      test: ["CMD", "${check}"]
      interval: 1s
      retries: 1
`;

describe.skipIf(daemons.skipReason !== "")("heal and rollback on the agent", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  let good: string;
  let bad: string;
  const project = `heal-${id}`;
  const deploy = (commit: string, body: Record<string, unknown> = {}) =>
    agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: "stacks/app",
      environment: `GREETING=${commit === good ? "good" : "bad"}\n`,
      timeoutSeconds: 30,
      ...body,
    });
  const running = async () => (await agent.json<StackStatus>("GET", `/stacks/${project}/status`)).body.containers;
  const envOf = async (container: string) =>
    (await docker(host, ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", container])).stdout;

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agent = await startTestAgent(host);
    repo = await gitRepo();
    await repo.write("stacks/app/compose.yaml", COMPOSE("true"));
    good = await repo.commitAndPush("good");
    await repo.write("stacks/app/compose.yaml", COMPOSE("false"));
    bad = await repo.commitAndPush("bad");
  });

  afterAll(async () => {
    await removeProjects(host, [project]);
    await agent?.stop();
    await repo?.cleanup();
  });

  it("rolls a failing deploy back to the last good one in the same stream", async () => {
    expect((await deploy(good)).result?.ok).toBe(true);
    const { result } = await deploy(bad, { rollback: { commit: good } });
    expect(result).toMatchObject({ ok: false, rolledBack: { from: bad, to: good, ok: true } });
    expect(result?.failures[0]?.reason).toContain("unhealthy");
    const [container] = await running();
    expect(await envOf(container?.id ?? "")).toContain("GREETING=good");
    expect(result?.containers.map((c) => c.id)).toEqual([container?.id]);
  });

  it("heals at the last good commit, and refuses another", async () => {
    const [before] = await running();
    await docker(host, ["rm", "-f", before?.id ?? ""]);
    const refused = await agent.call("POST", `/stacks/${project}/heal`, { commit: bad });
    expect([refused.status, JSON.parse(refused.text).error.code]).toEqual([409, "E_DEPLOY_MISMATCH"]);
    const { result } = await agent.action(`/stacks/${project}/heal`, { commit: good });
    expect(result).toMatchObject({ ok: true, commit: good });
    const [healed] = await running();
    expect(healed?.state).toBe("running");
    expect(await envOf(healed?.id ?? "")).toContain("GREETING=good");
  });

  it("heals a stack deployed before last good deploys were kept, from its checkout", async () => {
    await rm(join(agent.root, "state", `${project}.good.json`));
    const [before] = await running();
    await docker(host, ["rm", "-f", before?.id ?? ""]);
    const { result } = await agent.action(`/stacks/${project}/heal`, { commit: good });
    expect(result).toMatchObject({ ok: true, commit: good });
    const [healed] = await running();
    expect(await envOf(healed?.id ?? "")).toContain("GREETING=good");
  });
});
