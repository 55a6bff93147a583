// Issue 15 on the agent: a shell in a stack's container over the WebSocket
// /stacks/:name/exec, with a TTY, resized, ending with the shell's exit code;
// no passkey, no exec.
import { randomBytes } from "node:crypto";
import { daemonHost, docker, type GitRepo, gitRepo, sharedDaemons } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { removeProjects, startTestAgent, type TestAgent } from "./harness.js";

const daemons = sharedDaemons();
const id = randomBytes(3).toString("hex");

describe.skipIf(daemons.skipReason !== "")("shells on the agent", () => {
  let agent: TestAgent;
  let repo: GitRepo;
  let host: string;
  const project = `shell-${id}`;
  const container = async () =>
    (await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project}`])).stdout.trim();
  const execIds = async () =>
    (await docker(host, ["inspect", "-f", "{{json .ExecIDs}}", await container()])).stdout.trim();
  const connect = (query: string, passkey: string | null = agent.passkey) =>
    new WebSocket(`${agent.url.replace("https:", "wss:")}/stacks/${project}/exec?${query}`, {
      rejectUnauthorized: false, // the harness pins the fingerprint; this test checks it on open
      headers: passkey ? { authorization: `Bearer ${passkey}` } : {},
    });

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agent = await startTestAgent(host);
    repo = await gitRepo();
    await repo.write(
      "stack/compose.yaml",
      'services:\n  app:\n    image: local/busybox:1\n    hostname: shell-test-box\n    init: true\n    command: ["sleep", "2147483647"]\n',
    );
    const commit = await repo.commitAndPush("shell");
    const { result } = await agent.action(`/stacks/${project}/deploy`, {
      repository: { url: repo.remote },
      commit,
      projectName: project,
      runDirectory: "stack",
    });
    expect(result?.ok).toBe(true);
  });

  afterAll(async () => {
    await removeProjects(host, [project]);
    await agent?.stop();
    await repo?.cleanup();
  });

  it("runs a shell in the service's container and ends with its exit code", async () => {
    const ws = connect("service=app");
    let output = "";
    const messages: unknown[] = [];
    ws.on("message", (data, binary) => {
      if (binary) output += String(data);
      else messages.push(JSON.parse(String(data)));
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const fingerprint = (ws as unknown as { _socket: import("node:tls").TLSSocket })._socket.getPeerCertificate()
      .fingerprint256;
    expect(fingerprint).toBe(agent.fingerprint);
    ws.send(JSON.stringify({ type: "resize", cols: 100, rows: 30 }));
    ws.send(Buffer.from("echo host=$HOSTNAME cols=$(stty size)\n"), { binary: true });
    ws.send(Buffer.from("exit 3\n"), { binary: true });
    const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
    expect(messages[0]).toMatchObject({
      type: "started",
      container: expect.stringMatching(new RegExp(`^${project}[-_]app[-_]1$`)),
    });
    expect(output).toContain("host=shell-test-box cols=30 100");
    expect(closed).toEqual({ code: 1000, reason: JSON.stringify({ exitCode: 3 }) });
  });

  it("refuses a caller without the passkey before any exec is created", async () => {
    const before = await execIds();
    const ws = connect("service=app", null);
    const status = await new Promise<number>((resolve) =>
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
    expect(await execIds()).toBe(before);
    const missing = connect("service=nope");
    const notFound = await new Promise<number>((resolve) =>
      missing.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(notFound).toBe(404);
  });
});
