// Issue 14: the fleet model records each service's image as written, and
// where, so a newer-version notice can name the exact line to edit.
import { describe, expect, it } from "vitest";
import { loadFiles, repo, stackToml } from "./fixture.js";

describe("each service's image as written", () => {
  it("is recorded with its file and line; a later compose file overrides an earlier one's", async () => {
    const { errors, fleet } = await loadFiles(
      repo({
        "syncs/stacks.toml": stackToml("app", "", 'file_paths = ["compose.yaml", "compose.prod.yaml"]'),
        "stacks/app/compose.yaml": `x-common: &common
  restart: unless-stopped
  image: "ghcr.io/acme/worker:2.1"
networks:
  web: {}
services:
  web:
    # the front end
    image: ghcr.io/acme/web:1.4.2 # pinned by Renovate
    networks: [web]
  worker:
    <<: *common
  db:
    image: postgres:16-alpine
`,
        "stacks/app/compose.prod.yaml": `services:
  db:
    image: postgres:16.4-alpine
`,
      }),
    );
    expect(errors).toEqual([]);
    expect(fleet.stacks[0]?.images).toEqual([
      { service: "web", image: "ghcr.io/acme/web:1.4.2", file: "stacks/app/compose.yaml", line: 9 },
      // Merged from an anchor: the line to edit is the anchor's.
      { service: "worker", image: "ghcr.io/acme/worker:2.1", file: "stacks/app/compose.yaml", line: 3 },
      { service: "db", image: "postgres:16.4-alpine", file: "stacks/app/compose.prod.yaml", line: 3 },
    ]);
  });
});
