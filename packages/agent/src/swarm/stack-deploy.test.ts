import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ActionRun } from "../stacks/run.js";
import { versionedComposeFiles } from "./stack-deploy.js";

describe("versionedComposeFiles", () => {
  let dir: string;
  const run = () => new ActionRun(() => {}, "deploy", "media", []);
  const target = () => ({
    project: "media",
    files: [join(dir, "compose.yaml")],
    envFiles: [],
    cwd: dir,
    worktree: dir,
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tug-versioned-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("names a secret from the environment by its content, written beside the compose file", async () => {
    await writeFile(
      join(dir, "compose.yaml"),
      "services: {}\nsecrets:\n  db_password:\n    environment: DB_PASSWORD\n",
    );
    const [rendered] = await versionedComposeFiles(target(), run(), { DB_PASSWORD: "s3cret" });
    const text = await readFile(rendered ?? "", "utf8");
    expect(text).toMatch(/name: media_db_password_[0-9a-f]{12}/);
    expect(text).toContain("file: ./.tugboat-secrets.db_password");
    expect(await readFile(join(dir, ".tugboat-secrets.db_password"), "utf8")).toBe("s3cret");
  });

  it("refuses a key that would write outside the checkout, and writes nothing", async () => {
    await writeFile(
      join(dir, "compose.yaml"),
      'services: {}\nsecrets:\n  "../../escape":\n    environment: DB_PASSWORD\n',
    );
    await expect(versionedComposeFiles(target(), run(), { DB_PASSWORD: "s3cret" })).rejects.toThrow(
      /secrets\.\.\.\/\.\.\/escape: a name of letters/,
    );
    expect(await readdir(dir)).toEqual(["compose.yaml"]);
    expect(await readdir(join(dir, ".."))).not.toContain("escape");
  });
});
