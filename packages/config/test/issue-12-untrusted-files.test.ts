// Issue 12, items 5 and 11: files from the repository are untrusted. A
// symlink used as an env file, bind source, build context or compose file is
// an error at the line that uses it (the deploy would follow it out of the
// checkout), and a huge file is refused instead of parsed on core's event loop.
import { describe, expect, it } from "vitest";
import { GOOD_COMPOSE, loadFiles, repo, stackToml } from "./fixture.js";

const withVolume = (volume: string) =>
  GOOD_COMPOSE.replace("    restart:", `    volumes:\n      - ${volume}\n    restart:`);

describe("symlinks in the repository", () => {
  it("refuses an env_file, a bind source and a build context that are symlinks, at their lines", async () => {
    const compose = `${withVolume("./conf.d:/etc/app:ro")}    env_file: secrets.env\n    build: ./context\n`;
    const { errors } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }), {
      "stacks/app/secrets.env": "/etc/shadow",
      "stacks/app/conf.d": "/etc",
      "stacks/app/context": "../../..",
    });
    expect(errors.map((e) => [e.code, e.file, e.line])).toEqual([
      ["E_SYMLINK", "stacks/app/compose.yaml", 7],
      ["E_SYMLINK", "stacks/app/compose.yaml", 12],
      ["E_SYMLINK", "stacks/app/compose.yaml", 13],
    ]);
    expect(errors[0]?.message).toContain("stacks/app/conf.d, a symlink in the repository");
  });

  it("refuses a committed .env symlink, which the deploy would write through", async () => {
    const { errors } = await loadFiles(repo(), { "stacks/app/.env": "/etc/passwd" });
    expect(errors.map((e) => [e.code, e.file, e.field])).toEqual([
      ["E_SYMLINK", "syncs/stacks.toml", "stack.config.env_file_path"],
    ]);
  });

  it("refuses a path that goes through a symlinked folder, and an additional env file that is a link", async () => {
    const { errors } = await loadFiles(
      repo({
        "syncs/stacks.toml": stackToml("app", "", 'additional_env_files = ["host.env"]'),
        "stacks/app/compose.yaml": withVolume("./data/config.yml:/config.yml:ro"),
      }),
      { "stacks/app/data": "/var/lib", "stacks/app/host.env": "/root/.env" },
    );
    expect(errors.map((e) => [e.code, e.field ?? e.file])).toEqual([
      ["E_SYMLINK", "stacks/app/compose.yaml"],
      ["E_SYMLINK", "stack.config.additional_env_files"],
    ]);
  });

  it("accepts symlinks nothing uses", async () => {
    const { errors } = await loadFiles(repo(), { "docs/latest": "v2" });
    expect(errors).toEqual([]);
  });
});

describe("file sizes", () => {
  it("refuses a compose file over 512 KiB without parsing it", async () => {
    const padding = `# ${"x".repeat(1000)}\n`.repeat(600);
    const { errors } = await loadFiles(repo({ "stacks/app/compose.yaml": `${GOOD_COMPOSE}${padding}` }));
    expect(errors.map((e) => [e.code, e.file])).toEqual([["E_FILE_TOO_LARGE", "stacks/app/compose.yaml"]]);
  });

  it("locates a schema error in a 25,000-key mapping (the old parse took seconds per 10,000 keys)", async () => {
    const keys = Array.from({ length: 25_000 }, (_, i) => `      K${i}: v${i}\n`).join("");
    const compose = `${GOOD_COMPOSE}    environment:\n${keys}    imagee: x\n`;
    const { errors } = await loadFiles(repo({ "stacks/app/compose.yaml": compose }));
    expect(errors.map((e) => [e.code, e.line])).toEqual([["E_COMPOSE_SCHEMA", 25_011]]);
  });

  it("reports a duplicate key at its line", async () => {
    const { errors } = await loadFiles(repo({ "stacks/app/compose.yaml": `${GOOD_COMPOSE}    image: again\n` }));
    expect(errors.map((e) => [e.code, e.line])).toEqual([["E_COMPOSE_YAML", 10]]);
  });
});
