import { describe, expect, it } from "vitest";
import { displayReference, imageKey, parseImageReference, registryBaseUrl } from "./reference.js";

describe("image references", () => {
  it("normalises Docker Hub names as Docker does", () => {
    expect(parseImageReference("nginx")).toEqual({ registry: "docker.io", repository: "library/nginx", tag: "latest" });
    expect(imageKey(parseImageReference("docker.io/library/nginx:1.27") ?? fail())).toBe(
      imageKey(parseImageReference("nginx:1.27") ?? fail()),
    );
    expect(parseImageReference("index.docker.io/linuxserver/sonarr:4")).toMatchObject({
      registry: "docker.io",
      repository: "linuxserver/sonarr",
      tag: "4",
    });
  });

  it("reads a registry host with a port, and a pinned digest", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(parseImageReference(`127.0.0.1:5000/team/app:1.2@${digest}`)).toEqual({
      registry: "127.0.0.1:5000",
      repository: "team/app",
      tag: "1.2",
      digest,
    });
    expect(parseImageReference("ghcr.io/home-assistant/home-assistant:stable")).toMatchObject({
      registry: "ghcr.io",
      repository: "home-assistant/home-assistant",
    });
  });

  it("refuses what no registry holds", () => {
    for (const bad of [`\${IMAGE}`, "app name", "Upper/Case", "-rf", "reg.io//x"])
      expect(parseImageReference(bad), bad).toBeUndefined();
  });

  it("talks plain HTTP to loopback and listed registries only", () => {
    expect(registryBaseUrl("docker.io")).toBe("https://registry-1.docker.io");
    expect(registryBaseUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(registryBaseUrl("registry.lan:5000")).toBe("https://registry.lan:5000");
    expect(registryBaseUrl("registry.lan:5000", ["registry.lan:5000"])).toBe("http://registry.lan:5000");
    expect(displayReference(parseImageReference("nginx:1") ?? fail())).toBe("nginx:1");
  });
});

function fail(): never {
  throw new Error("not parsed");
}
