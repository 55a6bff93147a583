import { describe, expect, it } from "vitest";
import { loadCoreConfig, secretsFor } from "./core-config.js";

describe("core-held secrets and their scopes", () => {
  it("gives each sync only the secrets scoped to it, and unscoped ones to all", async () => {
    const config = await loadCoreConfig({
      env: {
        TUG_SECRET_DB_PASSWORD: "db",
        TUG_SECRET_MEDIA_TOKEN: "media",
        TUG_SECRET_SHARED: "shared",
        TUG_SECRET_SCOPES: "DB_PASSWORD=root; MEDIA_TOKEN=root,media",
      },
    });
    expect(Object.keys(config.secrets).sort()).toEqual(["DB_PASSWORD", "MEDIA_TOKEN", "SHARED"]);
    expect(secretsFor(config, "root")).toEqual({ DB_PASSWORD: "db", MEDIA_TOKEN: "media", SHARED: "shared" });
    expect(secretsFor(config, "media")).toEqual({ MEDIA_TOKEN: "media", SHARED: "shared" });
    expect(secretsFor(config, "friends")).toEqual({ SHARED: "shared" });
  });

  it("refuses a scope for a secret that is not set, and a malformed entry", async () => {
    await expect(loadCoreConfig({ env: { TUG_SECRET_SCOPES: "NOPE=root" } })).rejects.toThrow(
      /TUG_SECRET_NOPE is not set/,
    );
    await expect(loadCoreConfig({ env: { TUG_SECRET_X: "x", TUG_SECRET_SCOPES: "X" } })).rejects.toThrow(
      /not NAME=sync/,
    );
  });
});

describe("image check settings", () => {
  it("reads the interval in seconds or with a unit, and insecure registries as a list", async () => {
    const read = (env: Record<string, string>) => loadCoreConfig({ env });
    expect((await read({})).image_check_interval).toBe(6 * 3600);
    expect((await read({ TUG_IMAGE_CHECK_INTERVAL: "30m" })).image_check_interval).toBe(1800);
    expect((await read({ TUG_IMAGE_CHECK_INTERVAL: "90" })).image_check_interval).toBe(90);
    expect((await read({ TUG_IMAGE_CHECK_INTERVAL: "0" })).image_check_interval).toBe(0);
    await expect(read({ TUG_IMAGE_CHECK_INTERVAL: "soon" })).rejects.toThrow(/TUG_IMAGE_CHECK_INTERVAL/);
    expect((await read({ TUG_INSECURE_REGISTRIES: "registry.lan:5000, nas:5000" })).insecure_registries).toEqual([
      "registry.lan:5000",
      "nas:5000",
    ]);
  });
});

describe("log settings", () => {
  it("reads sizes with units, and refuses a size that is not one", async () => {
    const read = (env: Record<string, string>) => loadCoreConfig({ env });
    expect((await read({})).log_max_bytes).toBe(1024 ** 3);
    expect((await read({ TUG_LOG_MAX_BYTES: "500MB" })).log_max_bytes).toBe(500 * 1024 ** 2);
    expect((await read({ TUG_LOG_MAX_BYTES: "2GiB" })).log_max_bytes).toBe(2 * 1024 ** 3);
    expect((await read({ TUG_LOG_MAX_BYTES: "1048576" })).log_max_bytes).toBe(1024 ** 2);
    await expect(read({ TUG_LOG_MAX_BYTES: "lots" })).rejects.toThrow(/TUG_LOG_MAX_BYTES/);
    expect((await read({ TUG_LOGS: "false", TUG_LOG_RETENTION_DAYS: "3" })).logs).toBe(false);
  });
});
