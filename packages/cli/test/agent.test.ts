// `tug agent` and `tug agent install` as an operator runs them.
import { spawn } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { get } from "node:https";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { run, type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../src/bin.ts", import.meta.url));
const NODE = [process.execPath, "--conditions=tugboat-source", "--import", "tsx", BIN];

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir("tug-cli-agent-");
});
afterAll(async () => {
  await dir?.cleanup();
});

describe("tug agent", () => {
  it("refuses to start without a passkey (exit 2)", async () => {
    const result = await run([...NODE, "agent", "--root", join(dir.path, "a"), "--port", "0"], {
      env: { ...process.env, TUG_AGENT_PASSKEY: "" },
      allowFailure: true,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("no passkey configured");
  });

  it("starts with a passkey, logs its certificate fingerprint, serves /health, and stops on SIGTERM", async () => {
    const child = spawn(
      NODE[0] ?? "node",
      [...NODE.slice(1), "agent", "--root", join(dir.path, "b"), "--port", "0", "--host", "127.0.0.1"],
      {
        env: { ...process.env, TUG_AGENT_PASSKEY: "test-passkey", DOCKER_HOST: "unix:///nonexistent.sock" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const lines = createInterface({ input: child.stdout });
    const seen: string[] = [];
    const { port, fingerprint } = await new Promise<{ port: string; fingerprint: string }>((resolve, reject) => {
      let port = "";
      lines.on("line", (line) => {
        seen.push(line);
        port ||= /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1] ?? "";
        const fp = /fingerprint \(SHA-256\): (\S+)/.exec(line)?.[1];
        if (port && fp) resolve({ port, fingerprint: fp });
      });
      child.once("exit", (code) => reject(new Error(`agent exited with ${code}: ${seen.join("\n")}`)));
    });
    const health = await new Promise<string>((resolve, reject) => {
      get(`https://127.0.0.1:${port}/health`, { rejectUnauthorized: false }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on("end", () => resolve(text));
      }).on("error", reject);
    });
    expect(JSON.parse(health)).toMatchObject({ status: "ok", fingerprint });
    const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });
});

describe("tug agent install", () => {
  it("prints a systemd unit and agent.toml, and never a passkey", async () => {
    const result = await run([...NODE, "agent", "install"]);
    expect(result.stdout).toContain("[Service]");
    expect(result.stdout).toMatch(/ExecStart=.* agent --config \/etc\/tugboat\/agent.toml/);
    expect(result.stdout).toContain('passkey_file = "/etc/tugboat/agent.passkey"');
  });

  it("--build makes the unit run the single-file build, which tug agent upgrade can replace", async () => {
    const build = join(dir.path, "tugboat-agent.mjs");
    await writeFile(build, "// tugboat-agent 0.1.0: one file\n");
    const result = await run([...NODE, "agent", "install", "--build", build]);
    expect(result.stdout).toContain(`${build} agent --config /etc/tugboat/agent.toml`);
  });

  it("--write writes the files and a new passkey with mode 0600, without printing it", async () => {
    const configDir = join(dir.path, "etc");
    const unitDir = join(dir.path, "systemd");
    const result = await run([
      ...NODE,
      "agent",
      "install",
      "--write",
      "--config-dir",
      configDir,
      "--unit-dir",
      unitDir,
    ]);
    const passkey = (await readFile(join(configDir, "agent.passkey"), "utf8")).trim();
    expect(passkey.length).toBeGreaterThanOrEqual(40);
    expect((await stat(join(configDir, "agent.passkey"))).mode & 0o777).toBe(0o600);
    expect(result.stdout).not.toContain(passkey);
    expect(await readFile(join(unitDir, "tugboat-agent.service"), "utf8")).toContain("Restart=always");
    expect(await readFile(join(configDir, "agent.toml"), "utf8")).toContain("port = 8120");
    const again = await run([...NODE, "agent", "install", "--write", "--config-dir", configDir, "--unit-dir", unitDir]);
    expect(again.stdout).toContain("kept the passkey");
    expect((await readFile(join(configDir, "agent.passkey"), "utf8")).trim()).toBe(passkey);
  });
});

describe("an outbound agent", () => {
  it("install --core writes a config that dials core, without a passkey, and the agent reads it", async () => {
    const configDir = join(dir.path, "etc-out");
    const unitDir = join(dir.path, "systemd-out");
    const fingerprint = `${"AB:".repeat(31)}AB`;
    const result = await run([
      ...NODE,
      ...["agent", "install", "--write", "--config-dir", configDir, "--unit-dir", unitDir],
      ...["--core", "wss://core.example:9121", "--core-fingerprint", fingerprint],
    ]);
    expect(result.stdout).toContain(`put the token in ${join(configDir, "agent.token")}`);
    const config = await readFile(join(configDir, "agent.toml"), "utf8");
    expect(config).toContain('core_url = "wss://core.example:9121"');
    expect(config).toContain(`core_fingerprint = "${fingerprint}"`);
    expect(config).not.toContain("port =");
    await expect(stat(join(configDir, "agent.passkey"))).rejects.toThrow(/ENOENT/);
    // Without the token it refuses to start, and says where the token comes from.
    const refused = await run([...NODE, "agent", "--config", join(configDir, "agent.toml")], { allowFailure: true });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("tug server enroll");
  });

  it("never dials core over plain ws://", async () => {
    const result = await run([...NODE, "agent", "--core", "ws://core:9121", "--token", "x"], {
      env: { ...process.env, TUG_AGENT_PASSKEY: "" },
      allowFailure: true,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("must start with wss://");
  });

  it("tug agent upgrade --core names core's API, not an agent link", async () => {
    const result = await run([...NODE, "agent", "upgrade", "--core", "http://127.0.0.1:9", "--all"], {
      env: { ...process.env, XDG_CONFIG_HOME: join(dir.path, "cli-config"), TUG_TOKEN: "", TUG_CORE_URL: "" },
      allowFailure: true,
    });
    expect(result.stderr).toContain("no token for http://127.0.0.1:9");
  });
});
