// Issue 21, agent side: env files as Komodo's periphery handles them. An
// absolute env file is the operator's file on the host, read as it is; a
// committed env file is used as it is when the stack sets no environment
// (never emptied); one an earlier deploy wrote is not read again once the
// environment is gone; and the agent never writes the environment over a
// host file.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StackStatus } from "@tugboat/protocol";
import { daemonHost, docker, type GitRepo, gitRepo, sharedDaemons, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");
const PRINTER = `services:
  app:
    image: local/busybox:1
    init: true
    command: ["sh", "-c", "exec sleep 2147483647"]
    environment:
      FROM_ENV: \${FROM_ENV:-unset}
`;

describe.skipIf(daemons.skipReason !== "")("env files as Komodo reads them", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  let onHost: TempDir;
  let commit: string;
  const projects: string[] = [];

  const deploy = (stack: string, body: Record<string, unknown>) => {
    const project = `${stack}-${id}`;
    if (!projects.includes(project)) projects.push(project);
    return agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: `stacks/${stack}`,
      timeoutSeconds: 30,
      ...body,
    });
  };
  const containerEnv = async (stack: string) => {
    const status = (await agent.json<StackStatus>("GET", `/stacks/${stack}-${id}/status`)).body;
    const container = status.containers[0]?.id ?? "";
    return (await docker(host, ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", container])).stdout;
  };

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    agent = await startTestAgent(host, { secrets: { DB_PASSWORD: "agent-held-s3cret" } });
    onHost = await tempDir("tug-host-env-");
    await writeFile(join(onHost.path, "app.env"), "FROM_ENV=from-the-host\n");
    repo = await gitRepo();
    await repo.write("stacks/hostenv/compose.yaml", PRINTER);
    await repo.write("stacks/committed/compose.yaml", PRINTER);
    await repo.write("stacks/committed/.env", "FROM_ENV=committed\n");
    await repo.write("stacks/stale/compose.yaml", PRINTER);
    await repo.write("stacks/secret/compose.yaml", PRINTER);
    commit = await repo.commitAndPush("env files");
  });

  afterAll(async () => {
    await removeProjects(host, projects);
    await agent?.stop();
    await repo?.cleanup();
    await onHost?.cleanup();
  });

  it("reads an absolute env_file_path on the host as it is", async () => {
    const { result, events } = await deploy("hostenv", { envFilePath: join(onHost.path, "app.env") });
    expect(result?.ok, JSON.stringify(events.slice(-3))).toBe(true);
    expect(await containerEnv("hostenv")).toContain("FROM_ENV=from-the-host");
    expect(await readFile(join(onHost.path, "app.env"), "utf8")).toBe("FROM_ENV=from-the-host\n");
  });

  it("refuses to write an environment over a host file, before touching anything", async () => {
    const refused = await deploy("hostenv", {
      envFilePath: join(onHost.path, "app.env"),
      environment: "FROM_ENV=overwritten\n",
    });
    // Refused when the request is checked: nothing is streamed, nothing checked out.
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused)).toContain("would write the environment over that host file");
    expect(await readFile(join(onHost.path, "app.env"), "utf8")).toBe("FROM_ENV=from-the-host\n");
  });

  it("uses a committed .env as it is when the stack sets no environment", async () => {
    const { result } = await deploy("committed", {});
    expect(result?.ok).toBe(true);
    expect(await containerEnv("committed")).toContain("FROM_ENV=committed");
  });

  it("does not keep reading an env file an earlier deploy wrote once the environment is gone", async () => {
    expect((await deploy("stale", { environment: "FROM_ENV=first\n" })).result?.ok).toBe(true);
    expect(await containerEnv("stale")).toContain("FROM_ENV=first");
    expect((await deploy("stale", { environment: "" })).result?.ok).toBe(true);
    expect(await containerEnv("stale")).toContain("FROM_ENV=unset");
  });

  it("fills a [[VARIABLE]] core left from the agent's [secrets], masked in what it reports", async () => {
    const { result, events } = await deploy("secret", {
      environment: "FROM_ENV=pw:[[DB_PASSWORD]]\n",
      variables: ["DB_PASSWORD"],
    });
    expect(result?.ok, JSON.stringify(events.slice(-3))).toBe(true);
    expect(await containerEnv("secret")).toContain("FROM_ENV=pw:agent-held-s3cret");
    expect(JSON.stringify(events)).not.toContain("agent-held-s3cret");
  });

  it("refuses a deploy whose [[VARIABLE]] is set nowhere, naming it and where it looked", async () => {
    const refused = await deploy("secret", { environment: "FROM_ENV=[[NOPE]]\n", variables: ["NOPE"] });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused)).toContain("E_UNRESOLVED_VARIABLE");
    expect(JSON.stringify(refused)).toContain(
      "[[NOPE]] is set nowhere: looked in core's variables and secrets and in this agent's [secrets]",
    );
    // The running container is the last good one.
    expect(await containerEnv("secret")).toContain("FROM_ENV=pw:agent-held-s3cret");
  });
});
