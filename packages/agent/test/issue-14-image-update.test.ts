// Issue 14 on the agent, against a real registry: an image update pulls and
// recreates the named service only; one whose new image fails its health gate
// ends with the image that ran before. The images a last good deploy ran are
// pinned: a rollback of a Git deploy whose pull moved the tag, and a heal
// after someone pulled by hand, bring back what was deployed, not the tag's
// new image.
import { randomBytes } from "node:crypto";
import type { StackStatus } from "@tugboat/protocol";
import {
  daemonHost,
  docker,
  type GitRepo,
  gitRepo,
  sharedDaemons,
  startRegistry,
  type TestRegistry,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const FAILING = { Test: ["CMD", "false"], Interval: 1_000_000_000, Timeout: 1_000_000_000, Retries: 1 };

describe.skipIf(daemons.skipReason !== "")("image updates on the agent", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let registry: TestRegistry;
  let host: string;
  let commit: string;
  let changed: string;
  const project = `images-${id}`;
  const compose = (registryHost: string) => `services:
  web:
    image: ${registryHost}/team/web:1
    init: true
    command: ["sleep", "2147483647"]
  db:
    image: ${registryHost}/team/db:1
    init: true
    command: ["sleep", "2147483647"]
`;
  const deploy = (at: string, body: Record<string, unknown> = {}) =>
    agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit: at,
      projectName: project,
      runDirectory: "stack",
      pull: true,
      timeoutSeconds: 30,
      ...body,
    });
  const updateImages = (services: string[]) => agent.action(`/stacks/${project}/update-images`, { commit, services });
  const running = async (service: string) => {
    const { body } = await agent.json<StackStatus>("GET", `/stacks/${project}/status`);
    return body.containers.find((c) => c.service === service);
  };
  /** The local image a tag names now. */
  const tagged = async (tag: string) =>
    (await docker(host, ["image", "inspect", "-f", "{{.Id}}", `${registry.host}/team/${tag}`])).stdout.trim();

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    registry = await startRegistry();
    await registry.push("team/web", "1", { labels: { v: "1" } });
    await registry.push("team/db", "1", { labels: { v: "1" } });
    agent = await startTestAgent(host);
    repo = await gitRepo();
    await repo.write("stack/compose.yaml", compose(registry.host));
    commit = await repo.commitAndPush("registry images");
    await repo.write("stack/.env.example", "changed=1\n");
    changed = await repo.commitAndPush("another commit");
    expect((await deploy(commit)).result?.ok).toBe(true);
  });

  afterAll(async () => {
    await removeProjects(host, [project]);
    await agent?.stop();
    await repo?.cleanup();
    await registry?.stop();
  });

  it("pulls and recreates only the services named", async () => {
    const db = await running("db");
    const next = await registry.push("team/web", "1", { labels: { v: "2" } });
    const { result } = await updateImages(["web"]);
    expect(result).toMatchObject({ ok: true, action: "update-images", commit });
    const web = await running("web");
    expect(web?.repoDigests).toContain(`${registry.host}/team/web@${next.digest}`);
    expect((await running("db"))?.id).toBe(db?.id);
    expect(result?.containers.map((c) => c.service).sort()).toEqual(["db", "web"]);
  });

  it("brings back the image that ran before when the new one fails its health gate", async () => {
    const before = (await running("web"))?.imageId;
    await registry.push("team/web", "1", { labels: { v: "3" }, healthcheck: FAILING });
    const { result, events } = await updateImages(["web"]);
    expect(result).toMatchObject({ ok: false, rolledBack: { ok: true } });
    expect(result?.failures[0]).toMatchObject({ service: "web", reason: expect.stringContaining("unhealthy") });
    const web = await running("web");
    expect([web?.imageId, web?.state]).toEqual([before, "running"]);
    expect(await tagged("web:1")).toBe(before);
    expect(events.some((e) => e.type === "log" && e.step === "rollback: pin images")).toBe(true);
  });

  it("a Git deploy whose pull brought a failing image rolls back to the pinned images", async () => {
    const before = (await running("web"))?.imageId;
    // The registry still has the failing image: this deploy's pull moves the tag to it.
    const { result } = await deploy(changed, { rollback: { commit } });
    expect(result).toMatchObject({ ok: false, rolledBack: { from: changed, to: commit, ok: true } });
    expect((await running("web"))?.imageId).toBe(before);
  });

  it("a heal after a pull by hand runs the deployed image, not the tag's new one", async () => {
    const deployed = await running("web");
    await docker(host, ["pull", `${registry.host}/team/web:1`]);
    expect(await tagged("web:1")).not.toBe(deployed?.imageId);
    await docker(host, ["rm", "-f", deployed?.id ?? ""]);
    const { result } = await agent.action(`/stacks/${project}/heal`, { commit });
    expect(result).toMatchObject({ ok: true });
    expect((await running("web"))?.imageId).toBe(deployed?.imageId);
  });

  it("refuses an update of another commit than its last good deploy", async () => {
    const refused = await agent.call("POST", `/stacks/${project}/update-images`, { commit: changed, services: [] });
    expect([refused.status, JSON.parse(refused.text).error.code]).toEqual([409, "E_DEPLOY_MISMATCH"]);
  });
});
