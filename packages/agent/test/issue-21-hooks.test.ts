// Issue 21, item 10: pre_deploy and post_deploy run on the agent, in the
// stack's checkout, with their output in the record; a failing pre_deploy
// fails the deploy before anything changes on the host.
import { randomBytes } from "node:crypto";
import type { StackStatus } from "@tugboat/protocol";
import { daemonHost, type GitRepo, gitRepo, sharedDaemons } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
// The service reads a file only pre_deploy writes.
const COMPOSE = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "cat /generated.txt; exec sleep 2147483647"]
    volumes:
      - ./generated/hello.txt:/generated.txt:ro
`;

describe.skipIf(daemons.skipReason !== "")("pre_deploy and post_deploy", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  let commit: string;
  const project = `hooks-${id}`;

  const deploy = (body: Record<string, unknown>) =>
    agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: "stacks/hooks",
      timeoutSeconds: 30,
      ...body,
    });
  const containers = async () =>
    (await agent.json<StackStatus>("GET", `/stacks/${project}/status`)).body.containers.map((c) => c.id);

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    agent = await startTestAgent(host, { secrets: { GREETING: "hello-from-secrets" } });
    repo = await gitRepo();
    await repo.write("stacks/hooks/compose.yaml", COMPOSE);
    await repo.write("stacks/hooks/generated/.keep", "");
    commit = await repo.commitAndPush("hooks");
  });

  afterAll(async () => {
    await removeProjects(host, [project]);
    await agent?.stop();
    await repo?.cleanup();
  });

  it("runs pre_deploy in its path before up, and post_deploy after, streaming their output masked", async () => {
    const { result, events } = await deploy({
      preDeploy: {
        path: "generated",
        command: "# make the file the service reads\necho [[GREETING]] > hello.txt\necho wrote it",
      },
      postDeploy: { path: "", command: "test -s generated/hello.txt && echo post ran" },
      variables: ["GREETING"],
    });
    expect(result?.ok, JSON.stringify(events.slice(-4))).toBe(true);
    const lines = events.filter((e) => e.type === "log") as Array<{ step: string; line: string }>;
    expect(lines.filter((l) => l.step === "pre_deploy").map((l) => l.line)).toContain("wrote it");
    expect(lines.filter((l) => l.step === "post_deploy").map((l) => l.line)).toContain("post ran");
    expect(JSON.stringify(events)).not.toContain("hello-from-secrets");
    expect(await containers()).toHaveLength(1);
  });

  it("fails the deploy when pre_deploy fails, leaving the running containers alone", async () => {
    const before = await containers();
    const { result, events } = await deploy({ preDeploy: { path: "", command: "echo checking\nexit 3\necho never" } });
    expect(result?.ok).toBe(false);
    const lines = events.filter((e) => e.type === "log") as Array<{ step: string; line: string }>;
    expect(lines.map((l) => l.line)).toContain("checking");
    expect(lines.map((l) => l.line)).not.toContain("never");
    expect(await containers()).toEqual(before);
  });
});
