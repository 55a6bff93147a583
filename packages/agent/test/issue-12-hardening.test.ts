// Issue 12, agent side: what arrives in a deploy request, and what the
// repository puts in the checkout, is untrusted. An option-looking URL never
// reaches git, no symlink leads the agent out of the checkout, a container
// that vanishes while its logs are followed does not take the agent down,
// and compose never sees the agent's passkey.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import type { StackStatus } from "@tugboat/protocol";
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
import { startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const SLEEPER = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "echo started; exec sleep 2147483647"]
    environment:
      LEAK: \${TUG_AGENT_PASSKEY:-none}
`;
/** Two services, one whose logs dockerd cannot serve: following the stack must survive that. */
const UNREADABLE_LOGS = `${SLEEPER}  silent:
    image: local/busybox:1
    init: true
    command: ["sleep", "2147483647"]
    logging:
      driver: none
`;

describe.skipIf(daemons.skipReason !== "")("agent hardening", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  let outside: TempDir;
  let commit: string;
  let passkeyBefore: string | undefined;
  const projects: string[] = [];

  const deploy = (stack: string, body: Record<string, unknown>) => {
    const project = `${stack}-${id}`;
    projects.push(project);
    return agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      timeoutSeconds: 30,
      ...body,
    });
  };
  const status = async (stack: string) => (await agent.json<StackStatus>("GET", `/stacks/${stack}-${id}/status`)).body;

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    // As under systemd: the passkey is in the agent's own environment.
    passkeyBefore = process.env.TUG_AGENT_PASSKEY;
    const passkey = randomBytes(16).toString("hex");
    process.env.TUG_AGENT_PASSKEY = passkey;
    agent = await startTestAgent(host, { passkey });
    outside = await tempDir("tug-outside-");
    await writeFile(join(outside.path, "victim"), "do not touch\n");
    await writeFile(join(outside.path, "host.env"), "HOST_SECRET=from-the-host\n");
    repo = await gitRepo();
    await repo.write("stacks/plain/compose.yaml", SLEEPER);
    await repo.write("stacks/envlink/compose.yaml", SLEEPER);
    await repo.write("stacks/extralink/compose.yaml", SLEEPER);
    await repo.write("stacks/dirlink/compose.yaml", SLEEPER);
    await repo.write("stacks/silent/compose.yaml", UNREADABLE_LOGS);
    await repo.git(["add", "--all"]);
    const link = async (path: string, target: string) => {
      await repo.git(["update-index", "--add", "--cacheinfo", `120000,${await hashObject(target)},${path}`]);
    };
    const hashObject = async (content: string) => {
      await writeFile(join(repo.dir, ".link-content"), content);
      return repo.git(["hash-object", "-w", ".link-content"]);
    };
    await link("stacks/envlink/.env", join(outside.path, "victim"));
    await link("stacks/extralink/host.env", join(outside.path, "host.env"));
    await link("stacks/dirlink/data", outside.path);
    await repo.git(["commit", "--quiet", "-m", "links"]);
    commit = await repo.git(["rev-parse", "HEAD"]);
    await repo.push();
  });

  afterAll(async () => {
    for (const project of projects) {
      const ids = (await docker(host, ["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`])).stdout
        .split("\n")
        .filter(Boolean);
      if (ids.length > 0) await docker(host, ["rm", "-f", ...ids], { allowFailure: true });
    }
    if (passkeyBefore === undefined) delete process.env.TUG_AGENT_PASSKEY;
    else process.env.TUG_AGENT_PASSKEY = passkeyBefore;
    await agent?.stop();
    await repo?.cleanup();
    await outside?.cleanup();
  });

  it("refuses an option-looking repository URL without running git", async () => {
    const marker = join(outside.path, "pwned");
    const { result } = await deploy("inject", {
      repository: { url: `--upload-pack=touch ${marker};` },
      runDirectory: "stacks/plain",
    });
    expect(result?.ok).toBe(false);
    expect(result?.error?.code).toBe("E_INVALID_REQUEST");
    expect(existsSync(marker)).toBe(false);
  });

  it("does not write the env file through a committed .env symlink", async () => {
    const { result } = await deploy("envlink", { runDirectory: "stacks/envlink", environment: "A=1\n" });
    expect(result?.ok).toBe(false);
    expect(result?.error?.message).toContain("symlink");
    expect(await readFile(join(outside.path, "victim"), "utf8")).toBe("do not touch\n");
  });

  it("does not read an env file that links out of the checkout into a container", async () => {
    const { result } = await deploy("extralink", {
      runDirectory: "stacks/extralink",
      additionalEnvFiles: ["host.env"],
    });
    expect(result?.ok).toBe(false);
    expect(result?.error?.message).toContain("symlink");
    expect((await status("extralink")).containers).toEqual([]);
  });

  it("refuses a run directory holding a symlink out of the checkout", async () => {
    const { result } = await deploy("dirlink", { runDirectory: "stacks/dirlink" });
    expect(result?.ok).toBe(false);
    expect(result?.error?.message).toMatch(/data.*symlink/);
  });

  it("keeps its passkey out of compose's environment", async () => {
    const { result, events } = await deploy("plain", { runDirectory: "stacks/plain" });
    expect(result?.ok, JSON.stringify(events.slice(-3))).toBe(true);
    const container = (await status("plain")).containers[0]?.id ?? "";
    const env = (await docker(host, ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", container])).stdout;
    expect(env).toContain("LEAK=none");
    expect(env).not.toContain(agent.passkey);
  });

  it("keeps serving when a followed container's logs fail or the container disappears", async () => {
    const { result } = await deploy("silent", { runDirectory: "stacks/silent" });
    expect(result?.ok).toBe(true);
    const project = `silent-${id}`;
    const lines: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(`${agent.url}/stacks/${project}/logs?follow=1&tail=5`, {
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${agent.passkey}` },
      });
      req.on("response", (res) => {
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => lines.push(chunk));
        res.on("end", () => resolve());
        res.on("error", () => resolve());
      });
      req.on("error", reject);
      req.end();
    });
    await waitFor(() => lines.join("").includes("started"), { what: "the followed log line" });
    const container = (await status("silent")).containers.find((c) => c.service === "app")?.id ?? "";
    await docker(host, ["rm", "-f", container]);
    await ended;
    const health = await agent.call("GET", "/health");
    expect(health.status).toBe(200);
  });

  it("accepts the Bearer scheme in any case", async () => {
    const res = await agent.call("GET", "/info", undefined, {
      passkey: null,
      authorization: `bearer ${agent.passkey}`,
    });
    expect(res.status).toBe(200);
  });
});
