import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullAuth, readClientConfig } from "./registry-auth.js";

const login = (header: string | undefined) => JSON.parse(Buffer.from(header ?? "", "base64url").toString("utf8"));
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

describe("the registry login a pull sends", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tug-docker-config-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("sends the login the Docker config holds for the image's registry, and none for others", () => {
    const config = {
      auths: {
        "registry.example.com:5000": { auth: basic("deploy", "pa:ss") },
        "https://index.docker.io/v1/": { auth: basic("hub-user", "hub-pass") },
        "ghcr.io": { identitytoken: "token-1" },
      },
    };
    expect(login((pullAuth(config, "registry.example.com:5000") as { header: string }).header).password).toBe("pa:ss");
    expect(login((pullAuth(config, "docker.io") as { header: string }).header)).toEqual({
      username: "hub-user",
      password: "hub-pass",
      serveraddress: "docker.io",
    });
    expect(login((pullAuth(config, "ghcr.io") as { header: string }).header)).toEqual({
      identitytoken: "token-1",
      serveraddress: "ghcr.io",
    });
    expect(pullAuth(config, "quay.io")).toEqual({});
    expect(pullAuth(undefined, "quay.io")).toEqual({});
  });

  it("leaves to Compose a login kept by a credential helper, or a config it cannot read", () => {
    expect(pullAuth({ credsStore: "pass" }, "docker.io")).toBe("compose");
    const helpers = { credHelpers: { "https://ghcr.io": "gh" } };
    expect(pullAuth(helpers, "ghcr.io")).toBe("compose");
    expect(pullAuth(helpers, "quay.io")).toEqual({});
    expect(pullAuth({ auths: { "ghcr.io": { auth: Buffer.from("no-colon").toString("base64") } } }, "ghcr.io")).toBe(
      "compose",
    );
    expect(pullAuth("compose", "ghcr.io")).toBe("compose");
  });

  it("reads the config where Compose would: DOCKER_CONFIG, else ~/.docker", async () => {
    expect(await readClientConfig({ DOCKER_CONFIG: join(dir, "none") })).toBeUndefined();
    await writeFile(join(dir, "config.json"), JSON.stringify({ auths: { "ghcr.io": {} } }));
    expect(await readClientConfig({ DOCKER_CONFIG: dir })).toEqual({ auths: { "ghcr.io": {} } });
    await writeFile(join(dir, "config.json"), "{ not json");
    expect(await readClientConfig({ DOCKER_CONFIG: dir })).toBe("compose");
    expect(await readClientConfig({ HOME: join(dir, "no-home") })).toBeUndefined();
  });
});
