// Issue 19 on the agent: the pull before `up` goes to dockerd itself when the
// compose files name their images plainly, with the host's login from its
// Docker config, and never asks for every tag; a login that does not work is
// a warning, the image on the host deployed, and so is a registry that never
// answers, given up at the command deadline. A `${VAR}` in an image is
// resolved as Compose would; what only Compose can read, Compose pulls.
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { StackStatus, StreamEvent } from "@tugboat/protocol";
import {
  BUSYBOX_IMAGE,
  daemonHost,
  docker,
  type GitRepo,
  gitRepo,
  sharedDaemons,
  startRegistry,
  type TempDir,
  type TestRegistry,
  tempDir,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const CREDENTIALS = { username: "pull-bot", password: "pull-pass-7d2e91" };

const compose = (image: string) => `services:
  app:
    image: ${image}
    init: true
    command: ["sleep", "2147483647"]
`;

/** The pull step's start, and its log lines. */
const pullStep = (events: StreamEvent[]) => ({
  started: events.find((e) => e.type === "step" && e.step === "pull"),
  lines: events.flatMap((e) => (e.type === "log" && e.step === "pull" ? [e.line] : [])),
});

describe.skipIf(daemons.skipReason !== "")("pulls through the Engine API", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let open: TestRegistry;
  let secure: TestRegistry;
  let dockerConfig: TempDir;
  let hung: Server;
  const held: Socket[] = [];
  let hungImage: string;
  let privateDigest: string;
  let commits: Record<"open" | "secure" | "variable" | "hung", string>;
  const projects = ["open", "secure", "variable", "hung"].map((name) => `pull-${name}-${id}`);
  const [openProject, secureProject, variableProject, hungProject] = projects as [string, string, string, string];
  const deploy = (project: string, commit: string, settings: Record<string, unknown> = {}) =>
    agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: "stack",
      pull: true,
      timeoutSeconds: 30,
      ...settings,
    });
  const running = async (project: string) => {
    const { body } = await agent.json<StackStatus>("GET", `/stacks/${project}/status`);
    return body.containers.find((c) => c.service === "app");
  };
  /** `docker image inspect -f FORMAT` of an image on the host. */
  const inspect = async (image: string, format: string) =>
    (await docker(daemonHost(daemons, 0), ["image", "inspect", "-f", format, image])).stdout.trim();
  const writeLogin = () =>
    writeFile(
      join(dockerConfig.path, "config.json"),
      JSON.stringify({
        auths: {
          [secure.host]: { auth: Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64") },
        },
      }),
    );

  beforeAll(async () => {
    open = await startRegistry();
    secure = await startRegistry({ auth: CREDENTIALS });
    await open.push("team/app", "1", { labels: { v: "1" } });
    privateDigest = (await secure.push("team/private", "1", { labels: { v: "1" } })).digest;
    // The agent's Compose reads this Docker config; so does its own pull.
    dockerConfig = await tempDir("tug-agent-docker-config-");
    process.env.DOCKER_CONFIG = dockerConfig.path;
    // A registry that takes connections and never answers; its image is already on the host.
    hung = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    hungImage = `127.0.0.1:${(hung.address() as { port: number }).port}/team/hung:1`;
    await docker(daemonHost(daemons, 0), ["tag", BUSYBOX_IMAGE, hungImage]);
    agent = await startTestAgent(daemonHost(daemons, 0));
    repo = await gitRepo();
    const commitOf = async (image: string) => {
      await repo.write("stack/compose.yaml", compose(image));
      return repo.commitAndPush(image);
    };
    commits = {
      open: await commitOf(`${open.host}/team/app:1`),
      secure: await commitOf(`${secure.host}/team/private:1`),
      variable: await commitOf(`${open.host}/team/app:\${APP_TAG:-1}`),
      hung: await commitOf(hungImage),
    };
  });

  afterAll(async () => {
    await removeProjects(daemonHost(daemons, 0), projects);
    await agent?.stop();
    await repo?.cleanup();
    await open?.stop();
    await secure?.stop();
    await dockerConfig?.cleanup();
    for (const socket of held) socket.destroy();
    hung?.close();
    await docker(daemonHost(daemons, 0), ["rmi", hungImage], { allowFailure: true });
    delete process.env.DOCKER_CONFIG;
  });

  it("pulls a moved tag through dockerd, with no Compose start-up and never every tag", async () => {
    expect((await deploy(openProject, commits.open)).result?.ok).toBe(true);
    const next = await open.push("team/app", "1", { labels: { v: "2" } });
    const { result, events } = await deploy(openProject, commits.open);
    expect(result).toMatchObject({ ok: true, warnings: [] });
    const pull = pullStep(events);
    expect(pull.started).toBeDefined();
    expect(pull.started).not.toHaveProperty("argv");
    expect(pull.lines).toContain(`Status: Downloaded newer image for ${open.host}/team/app:1`);
    expect((await running(openProject))?.repoDigests).toContain(`${open.host}/team/app@${next.digest}`);
    await open.quiet();
    expect(open.requests().filter((r) => r.path.includes("/tags/list"))).toEqual([]);
  });

  it("sends the host's login from its Docker config, and shows it nowhere", async () => {
    await writeLogin();
    const { result, events } = await deploy(secureProject, commits.secure);
    expect(result).toMatchObject({ ok: true, warnings: [] });
    const pull = pullStep(events);
    expect(pull.started).not.toHaveProperty("argv");
    expect(pull.lines).toContain(`Status: Downloaded newer image for ${secure.host}/team/private:1`);
    const deployed = await running(secureProject);
    expect(deployed?.state).toBe("running");
    expect(deployed?.repoDigests).toContain(`${secure.host}/team/private@${privateDigest}`);
    const shown = JSON.stringify(events);
    expect(shown).not.toContain(CREDENTIALS.password);
    expect(shown).not.toContain(Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString("base64"));

    // Without the login the pull fails: a warning naming the image, and the image on the host still runs.
    await rm(join(dockerConfig.path, "config.json"));
    await secure.push("team/private", "1", { labels: { v: "2" } });
    const again = await deploy(secureProject, commits.secure);
    expect(again.result?.ok).toBe(true);
    expect(again.result?.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^pulling ${secure.host}/team/private:1 failed; deploying with the image on this host \\(.+\\)$`),
      ),
    ]);
    expect((await running(secureProject))?.imageId).toBe(deployed?.imageId);
  });

  it("the pull action pulls through dockerd too, and fails naming an image it could not pull", async () => {
    const next = await open.push("team/app", "1", { labels: { v: "3" } });
    const pulled = await agent.action(`/stacks/${openProject}/pull`, {});
    expect(pulled.result).toMatchObject({ ok: true, action: "pull" });
    expect(pullStep(pulled.events).started).not.toHaveProperty("argv");
    const digests = await inspect(`${open.host}/team/app:1`, "{{json .RepoDigests}}");
    expect(JSON.parse(digests)).toContain(`${open.host}/team/app@${next.digest}`);

    // The secure registry's login was removed by the test before: the action fails, saying which image.
    const refused = await agent.action(`/stacks/${secureProject}/pull`, {});
    expect(refused.result).toMatchObject({ ok: false, error: { code: "E_EXEC_FAILED" } });
    expect(refused.result?.error?.message).toContain(`pulling ${secure.host}/team/private:1 failed`);
  });

  it("resolves a variable in the image as Compose would, and leaves to Compose what it alone reads", async () => {
    const first = await deploy(variableProject, commits.variable);
    expect(first.result).toMatchObject({ ok: true, warnings: [] });
    expect(pullStep(first.events).started).not.toHaveProperty("argv");
    expect(pullStep(first.events).lines).toContain(`pulling ${open.host}/team/app:1`);
    expect((await running(variableProject))?.imageId).toBe(await inspect(`${open.host}/team/app:1`, "{{.Id}}"));

    // The stack's environment sets the tag: the agent pulls that tag itself.
    const two = await open.push("team/app", "2", { labels: { v: "two" } });
    const second = await deploy(variableProject, commits.variable, { environment: "APP_TAG=2\n" });
    expect(second.result).toMatchObject({ ok: true, warnings: [] });
    expect(pullStep(second.events).started).not.toHaveProperty("argv");
    expect(pullStep(second.events).lines).toContain(`Status: Downloaded newer image for ${open.host}/team/app:2`);
    expect((await running(variableProject))?.repoDigests).toContain(`${open.host}/team/app@${two.digest}`);

    // A value that refers to another variable (which not every Compose version expands) is left to Compose.
    const three = await open.push("team/app", "3", { labels: { v: "three" } });
    const third = await deploy(variableProject, commits.variable, { environment: `BASE=3\nAPP_TAG=${"$"}{BASE}\n` });
    expect(third.result?.ok).toBe(true);
    expect(pullStep(third.events).started).toMatchObject({
      argv: expect.arrayContaining(["pull", "--ignore-pull-failures"]),
    });
    expect((await running(variableProject))?.repoDigests).toContain(`${open.host}/team/app@${three.digest}`);
  });

  it("gives up a pull from a registry that never answers at the command deadline, and deploys the host's image", async () => {
    // The deadline is every command's, `up` included: long enough for `up` on a loaded CI host.
    const { result } = await deploy(hungProject, commits.hung, { commandTimeoutSeconds: 6 });
    expect(result).toMatchObject({ ok: true });
    expect(result?.warnings).toEqual([expect.stringContaining(`pulling ${hungImage} failed`)]);
    expect(result?.warnings[0]).toContain("(not done within 6 s, the command deadline)");
    const pulled = result?.steps.find((step) => step.step === "pull");
    expect(pulled?.durationMs).toBeGreaterThanOrEqual(6000);
    expect((await running(hungProject))?.state).toBe("running");
  });
});
