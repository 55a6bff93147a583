// Issue 21, item 14: `up -d` does not rebuild an image that exists, so a
// changed Dockerfile used to redeploy the old image. The agent builds the
// services core names (and every one with run_build) before `up`.
import { randomBytes } from "node:crypto";
import type { StackStatus } from "@tugboat/protocol";
import { daemonHost, docker, type GitRepo, gitRepo, sharedDaemons } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const COMPOSE = `services:
  app:
    build: ./app
    image: local/built-${id}:1
    init: true
    command: ["sh", "-c", "exec sleep 2147483647"]
`;
const dockerfile = (version: string) => `FROM local/busybox:1\nRUN echo ${version} > /version\n`;

describe.skipIf(daemons.skipReason !== "")("building what changed", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  const project = `build-${id}`;

  const deploy = (commit: string, body: Record<string, unknown> = {}) =>
    agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: "stacks/built",
      timeoutSeconds: 60,
      ...body,
    });
  const version = async () => {
    const status = (await agent.json<StackStatus>("GET", `/stacks/${project}/status`)).body;
    const container = status.containers[0]?.id ?? "";
    return (await docker(host, ["exec", container, "cat", "/version"])).stdout.trim();
  };

  beforeAll(async () => {
    host = daemonHost(daemons, 1);
    agent = await startTestAgent(host);
    repo = await gitRepo();
    await repo.write("stacks/built/compose.yaml", COMPOSE);
    await repo.write("stacks/built/app/Dockerfile", dockerfile("v1"));
  });

  afterAll(async () => {
    await removeProjects(host, [project]);
    await docker(host, ["rmi", "-f", `local/built-${id}:1`], { allowFailure: true });
    await agent?.stop();
    await repo?.cleanup();
  });

  it("builds the services core names before up, so the new image runs", async () => {
    const first = await deploy(await repo.commitAndPush("v1"));
    expect(first.result?.ok, JSON.stringify(first.events.slice(-3))).toBe(true);
    expect(await version()).toBe("v1");
    await repo.write("stacks/built/app/Dockerfile", dockerfile("v2"));
    const v2 = await repo.commitAndPush("v2");
    // Without a build the old image stays: that was the bug.
    expect((await deploy(v2)).result?.ok).toBe(true);
    expect(await version()).toBe("v1");
    const built = await deploy(v2, { build: ["app"] });
    expect(built.result?.ok, JSON.stringify(built.events.slice(-3))).toBe(true);
    expect(built.events.some((e) => e.type === "step" && (e as { step?: string }).step === "build")).toBe(true);
    expect(await version()).toBe("v2");
  });

  it("builds everything with run_build", async () => {
    await repo.write("stacks/built/app/Dockerfile", dockerfile("v3"));
    const { result } = await deploy(await repo.commitAndPush("v3"), { buildAll: true });
    expect(result?.ok).toBe(true);
    expect(await version()).toBe("v3");
  });
});
