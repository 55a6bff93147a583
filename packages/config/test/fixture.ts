// Builds small fleet repositories on disk for tests, and loads them.
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { tempDir } from "@tugboat/testkit";
import { type LoadFleetOptions, type LoadFleetResult, loadFleet, WorkingTreeSource } from "../src/index.js";

export const SERVERS = `
[[server]]
name = "hercules"
[server.config]
address = "https://10.2.0.70:8120"
enabled = true

[[server]]
name = "apollo"
[server.config]
address = "https://100.102.0.11:8120"
enabled = true
`;

export const GOOD_COMPOSE = `services:
  web:
    image: local/busybox:1
    healthcheck:
      test: ["CMD", "true"]
    restart: unless-stopped
    mem_limit: 64m
    security_opt:
      - no-new-privileges:true
`;

export function stackToml(name: string, extra = "", config = ""): string {
  return `
[[stack]]
name = "${name}"${extra ? `\n${extra}` : ""}
[stack.config]
server = "hercules"
run_directory = "stacks/${name}"${config ? `\n${config}` : ""}
`;
}

export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

/** Writes `files` (and `links`: path → link target) into a fresh folder and loads it; the folder is removed afterwards. */
export async function loadFiles(
  files: Record<string, string>,
  links: Record<string, string> = {},
  options: LoadFleetOptions = {},
): Promise<LoadFleetResult> {
  const dir = await tempDir("tug-fleet-");
  try {
    await writeTree(dir.path, files);
    for (const [path, target] of Object.entries(links)) {
      await mkdir(dirname(join(dir.path, path)), { recursive: true });
      await symlink(target, join(dir.path, path));
    }
    const source = await WorkingTreeSource.open(dir.path);
    return await loadFleet(source, options);
  } finally {
    await dir.cleanup();
  }
}

/** A valid one-stack repository, with `overrides` replacing or adding files. */
export function repo(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    "syncs/servers.toml": SERVERS,
    "syncs/stacks.toml": stackToml("app"),
    "stacks/app/compose.yaml": GOOD_COMPOSE,
    ...overrides,
  };
}
