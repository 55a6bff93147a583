// Agent settings: config file, then environment, then flags.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type TempDir, tempDir } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAgentConfig } from "../src/index.js";

let dir: TempDir;
let file: string;
beforeAll(async () => {
  dir = await tempDir("tug-agent-config-");
  file = join(dir.path, "agent.toml");
  await writeFile(join(dir.path, "passkey"), "from-file\n", { mode: 0o600 });
  await writeFile(
    file,
    `port = 9001\nroot = "/srv/tug"\npasskey_file = "${join(dir.path, "passkey")}"\nallowed_ips = ["10.2.0.70"]\n`,
  );
});
afterAll(async () => {
  await dir?.cleanup();
});

describe("loadAgentConfig", () => {
  it("reads the config file, with the passkey from its file", async () => {
    const config = await loadAgentConfig({ configFile: file, env: {} });
    expect(config).toMatchObject({
      port: 9001,
      root: "/srv/tug",
      passkey: "from-file",
      allowed_ips: ["10.2.0.70"],
      insecure_http: false,
    });
  });

  it("lets environment variables override the file, and flags override both", async () => {
    const env = { TUG_AGENT_PORT: "9002", TUG_AGENT_PASSKEY: "from-env", TUG_AGENT_ALLOWED_IPS: "127.0.0.1, 10.0.0.9" };
    const fromEnv = await loadAgentConfig({ configFile: file, env });
    expect(fromEnv).toMatchObject({ port: 9002, passkey: "from-env", allowed_ips: ["127.0.0.1", "10.0.0.9"] });
    const fromFlags = await loadAgentConfig({ configFile: file, env, flags: { port: "9003", insecure_http: true } });
    expect(fromFlags).toMatchObject({ port: 9003, passkey: "from-env", insecure_http: true });
  });

  it("refuses to run without a passkey, and names a bad config file", async () => {
    await expect(loadAgentConfig({ configFile: join(dir.path, "missing.toml"), env: {} })).rejects.toThrow(
      /cannot read agent config/,
    );
    const empty = join(dir.path, "empty.toml");
    await writeFile(empty, "port = 8120\n");
    await expect(loadAgentConfig({ configFile: empty, env: {} })).rejects.toThrow(/no passkey configured/);
    await writeFile(empty, "port = \n");
    await expect(loadAgentConfig({ configFile: empty, env: {} })).rejects.toThrow(/empty\.toml/);
  });
});
