// Issue 15: a shell into a container through core and the agent, for admins.
// It runs in the service's container (hostname read back), resizes, ends with
// the shell's exit code, and is recorded as an update (who, which container,
// how long; not the keystrokes). A viewer gets 403 and no exec is created; a
// ticket works once; a server with terminals_disabled refuses shells.
import { daemonHost, docker, sharedDaemons, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ADMIN, login, type SoloFleet, serverToml, soloStackToml, startSoloFleet, tugCli } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const project = (name: string) => `${name}-shell-${suffix}`;
const VIEWER = { username: "vera", password: "viewer password 9" };

describe.skipIf(daemons.skipReason !== "")("shells through core", () => {
  let fleet: SoloFleet;
  let host: string;
  const ticket = async (token?: string) =>
    fleet.api<{ ticket: string; path: string; error?: { code: string } }>(
      "POST",
      `/api/stacks/box/shell`,
      { service: "app" },
      token,
    );
  const socket = (path: string) => new WebSocket(`${fleet.core.url.replace("http:", "ws:")}${path}`);
  const closeOf = (ws: WebSocket) =>
    new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
  const execIds = async () => {
    const id = (
      await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project("box")}`])
    ).stdout.trim();
    return (await docker(host, ["inspect", "-f", "{{json .ExecIDs}}", id])).stdout.trim();
  };

  beforeAll(async () => {
    host = daemonHost(daemons, 0);
    fleet = await startSoloFleet({
      dockerHost: host,
      projects: [project("box")],
      files: {
        "syncs/stacks.toml": soloStackToml("box", project("box")),
        "stacks/box/compose.yaml":
          'services:\n  app:\n    image: local/busybox:1\n    hostname: box-in-the-fleet\n    init: true\n    command: ["sleep", "2147483647"]\n',
      },
    });
    await fleet.core.context.users.create(VIEWER.username, VIEWER.password, "viewer");
  });

  afterAll(() => fleet?.close());

  it("runs a shell in the service's container and records who, where and how it ended", async () => {
    const { status, body } = await ticket();
    expect(status).toBe(200);
    const ws = socket(body.path);
    let output = "";
    ws.on("message", (data, binary) => {
      if (binary) output += String(data);
    });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const closed = closeOf(ws);
    ws.send(JSON.stringify({ type: "resize", cols: 120, rows: 40 }));
    ws.send(Buffer.from("echo I am $HOSTNAME; stty size\n"), { binary: true });
    ws.send(Buffer.from("exit 5\n"), { binary: true });
    expect(await closed).toEqual({ code: 1000, reason: JSON.stringify({ exitCode: 5 }) });
    expect(output).toContain("I am box-in-the-fleet");
    expect(output).toContain("40 120");
    const [record] = (await fleet.core.context.log.store.list({ targetName: "box" })).filter(
      (u) => u.operation === "shell",
    );
    expect(record).toMatchObject({ status: "success", trigger: "user", actor: "admin" });
    expect(record?.reasons).toEqual([expect.stringMatching(/^app: \/bin\/sh -c /)]);
    expect(record?.result).toMatchObject({ service: "app", exitCode: 5, container: expect.stringMatching(/box/) });
    expect(JSON.stringify(record?.result)).not.toContain("I am");
    // Single use.
    const again = socket(body.path);
    expect((await closeOf(again)).code).toBe(4403);
  });

  it("tug exec runs a command there and exits with its code", async () => {
    const config = await tempDir("tug-exec-cli-");
    try {
      const tug = tugCli(config.path);
      await tug(
        ["login", "--core", fleet.core.url, "--username", ADMIN.username, "--password-stdin"],
        `${ADMIN.password}\n`,
      );
      const ran = await tug(["exec", "box", "app", "--", "sh", "-c", "echo from $HOSTNAME; exit 7"]);
      expect(ran.stdout, ran.stderr).toContain("from box-in-the-fleet");
      expect(ran.exitCode).toBe(7);
    } finally {
      await config.cleanup();
    }
  });

  it("refuses a viewer before anything runs in the container", async () => {
    const before = await execIds();
    const viewer = await login(fleet.core.url, VIEWER);
    const refused = await ticket(viewer);
    expect([refused.status, refused.body.error?.code]).toEqual([403, "E_FORBIDDEN"]);
    expect((await closeOf(socket(`/api/stacks/box/shell?ticket=made-up`))).code).toBe(4403);
    expect(await execIds()).toBe(before);
  });

  it("refuses shells on a server with terminals_disabled", async () => {
    const servers = serverToml("solo", fleet.agent, "").replace(
      "enabled = true",
      "enabled = true\nterminals_disabled = true",
    );
    await fleet.repo.write("syncs/servers.toml", servers);
    await fleet.repo.commitAndPush("no shells on solo");
    expect((await fleet.api<{ status: string }>("POST", "/api/syncs/root/run")).body.status).toBe("applied");
    const refused = await ticket();
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).toContain("terminals_disabled");
  });
});
