// Issue 17, the Ansible role: Debian's ansible-playbook applies
// deploy/ansible/fleet.yml to localhost (connection local) into a throwaway
// prefix; the passkey is generated on the host and registered with a real
// core; a second run and a check-mode run change nothing; the installed agent
// starts from its unit's command line and answers /health.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunningCore } from "@tugboat/core";
import { freePort, onPath, run, type Service, startService, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, login, startTestCore } from "./fixture.js";

const PLAYBOOK = fileURLToPath(new URL("../../deploy/ansible/fleet.yml", import.meta.url));
const BUNDLER = fileURLToPath(new URL("../../scripts/bundle-agent.mjs", import.meta.url));
const ansible = onPath("ansible-playbook");

/** The PLAY RECAP counters of localhost. */
function recap(stdout: string): Record<string, number> {
  const line = stdout.split("\n").find((l) => l.startsWith("localhost") && l.includes("changed=")) ?? "";
  return Object.fromEntries([...line.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1] ?? "", Number(m[2])]));
}

describe.skipIf(!ansible)("the tugboat_agent Ansible role", () => {
  let work: TempDir;
  let core: RunningCore;
  let agent: Service | undefined;
  let port: number;
  const prefix = () => join(work.path, "root");

  const playbook = (...extra: string[]) =>
    run(
      [
        "ansible-playbook",
        "-i",
        join(work.path, "inventory.ini"),
        PLAYBOOK,
        "-e",
        `@${join(work.path, "vars.json")}`,
        ...extra,
      ],
      {
        allowFailure: true,
        env: {
          ...process.env,
          ANSIBLE_NOCOLOR: "1",
          ANSIBLE_LOCAL_TEMP: join(work.path, "tmp"),
          ANSIBLE_REMOTE_TEMP: join(work.path, "tmp"),
          HOME: work.path,
        },
      },
    );

  beforeAll(async () => {
    work = await tempDir("tug-ansible-");
    await run([process.execPath, BUNDLER, "--out", join(work.path, "build")]);
    core = await startTestCore({ dataDir: join(work.path, "core"), syncRepo: "" });
    const token = await login(core.url);
    const key = await apiClient(
      () => core.url,
      () => token,
    )<{ key: string }>("POST", "/api/auth/api-keys", { name: "ansible" });
    port = await freePort();
    writeFileSync(join(work.path, "inventory.ini"), "[tugboat_agents]\nlocalhost ansible_connection=local\n");
    writeFileSync(
      join(work.path, "vars.json"),
      JSON.stringify({
        ansible_become: false, // root already, and no sudo here
        ansible_python_interpreter: "/usr/bin/python3",
        tugboat_agent_prefix: prefix(),
        tugboat_agent_build_src: join(work.path, "build", "tugboat-agent.mjs"),
        tugboat_agent_node: process.execPath,
        tugboat_agent_port: port,
        tugboat_agent_host: "127.0.0.1",
        tugboat_agent_core_url: core.url,
        tugboat_agent_core_token: key.body.key,
        tugboat_agent_register_passkey: true,
      }),
    );
  });

  afterAll(async () => {
    await agent?.stop();
    await core?.close();
    await work?.cleanup();
  });

  it("installs, registers the passkey, then changes nothing on a second run or in check mode", async () => {
    const first = await playbook();
    expect(first.exitCode, first.stdout).toBe(0);
    expect(recap(first.stdout)).toMatchObject({ failed: 0 });
    expect(recap(first.stdout).changed).toBeGreaterThan(0);

    const passkeyFile = join(prefix(), "etc/tugboat/agent.passkey");
    expect(statSync(passkeyFile).mode & 0o777).toBe(0o600);
    const passkey = readFileSync(passkeyFile, "utf8").trim();
    expect(passkey).toMatch(/^[A-Za-z0-9]{40,}$/);
    expect(first.stdout).not.toContain(passkey);
    const held = await core.context.variables.values();
    expect(held.secrets.TUGBOAT_PASSKEY_LOCALHOST).toBe(passkey);
    expect(readFileSync(join(prefix(), "etc/tugboat/agent.toml"), "utf8")).toContain(`port = ${port}`);

    const second = await playbook();
    expect(second.exitCode, second.stdout).toBe(0);
    expect(recap(second.stdout)).toMatchObject({ changed: 0, failed: 0 });
    const check = await playbook("--check");
    expect(check.exitCode, check.stdout).toBe(0);
    expect(recap(check.stdout)).toMatchObject({ changed: 0, failed: 0 });
    expect(readFileSync(passkeyFile, "utf8").trim()).toBe(passkey);
  }, 180_000);

  it("the installed agent starts from its unit's command line and answers /health", async () => {
    const unit = readFileSync(join(prefix(), "etc/systemd/system/tugboat-agent.service"), "utf8");
    const exec = /^ExecStart=(.+)$/m.exec(unit)?.[1]?.split(" ") ?? [];
    expect(exec).toContain(join(prefix(), "opt/tugboat/tugboat-agent.mjs"));
    agent = await startService({ argv: exec, env: process.env, ready: /listening on https:\/\/127\.0\.0\.1:\d+/ });
    const health = await run(["curl", "-sk", "--max-time", "5", `https://127.0.0.1:${port}/health`]);
    expect(JSON.parse(health.stdout)).toMatchObject({ status: "ok", version: "0.1.0" });
  }, 60_000);
});
