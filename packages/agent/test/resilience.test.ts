// The agent keeps working when dockerd restarts under it, and never stops or
// removes containers labelled tugboat.skip / komodo.skip.
import type { StackStatus } from "@tugboat/protocol";
import {
  ensureImage,
  type GitRepo,
  gitRepo,
  type PrivateDockerd,
  sharedDaemons,
  startDockerd,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();

const COMPOSE = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    restart: unless-stopped
  keeper:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    restart: unless-stopped
    labels:
      tugboat.skip: "true"
`;

describe.skipIf(daemons.skipReason !== "")("agent resilience", () => {
  let daemon: PrivateDockerd;
  let agent: TestAgent;
  let repo: GitRepo;
  let commit: string;
  const body = () => ({ repository: { url: repo.remote }, commit, projectName: "resilient", timeoutSeconds: 60 });
  const status = async () => (await agent.json<StackStatus>("GET", "/stacks/resilient/status")).body;
  const state = async (service: string) => (await status()).containers.find((c) => c.service === service)?.state;

  beforeAll(async () => {
    daemon = await startDockerd();
    await ensureImage(daemon.dockerHost);
    agent = await startTestAgent(daemon.dockerHost);
    repo = await gitRepo();
    await repo.write("compose.yaml", COMPOSE);
    commit = await repo.commitAndPush("resilient");
  });
  afterAll(async () => {
    await agent?.stop();
    await repo?.cleanup();
    await daemon?.stop();
  });

  it("deploys, then survives a dockerd restart: the next requests work", async () => {
    expect((await agent.action("/stacks/resilient/deploy", body())).result?.ok).toBe(true);
    await daemon.restart();
    await waitFor(async () => (await state("app")) === "running", { what: "app back after the dockerd restart" });
    const again = await agent.action("/stacks/resilient/deploy", body());
    expect(again.result?.ok).toBe(true);
    expect((await agent.json<{ dockerVersion: string }>("GET", "/info")).body.dockerVersion).toMatch(/^\d+\./);
  });

  it("stops and takes down everything but containers labelled tugboat.skip", async () => {
    const keeper = async () => (await status()).containers.find((c) => c.service === "keeper")?.id;
    const keeperId = await keeper();
    const stop = await agent.action("/stacks/resilient/stop", {});
    expect(stop.result?.ok).toBe(true);
    expect(await state("app")).toBe("exited");
    expect(await state("keeper")).toBe("running");
    expect(await keeper()).toBe(keeperId);

    expect((await agent.action("/stacks/resilient/down", {})).result?.ok).toBe(true);
    const after = await status();
    expect(after.containers.map((c) => [c.service, c.state, c.skip])).toEqual([["keeper", "running", true]]);
    expect(await keeper()).toBe(keeperId);
  });
});
