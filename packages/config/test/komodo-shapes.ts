// Repositories shaped like public Komodo homelab repositories (built by code,
// not copied): the shapes real users have, which Tugboat-shaped fixtures hid.
//
// - "linked": every stack and the [[resource_sync]] say `linked_repo = X`,
//   and `[[repo]] name = X` points back at this repository (the seed's own
//   pattern); resources under `syncs/`, stacks under `stacks/<group>/<name>`.
// - "self": stacks say `repo = "Owner/Name"` with `git_provider = "GitHub.com"`,
//   `run_directory` unset (the repository root) and `file_paths` into
//   subfolders; resources in one file under `komodo/`; `[[VARIABLE]]`s that
//   live in Komodo's database, not in Git.
// Both have stacks reading a file three of them bind-mount, a README, env
// files, host paths and `${VAR:-default}` volumes.

import { SERVERS } from "./fixture.js";

export const SELF_URL = "https://github.com/alice/homelab.git";

const compose = (service: string, image: string, extra = "") => `services:
  ${service}:
    image: ${image}
    restart: unless-stopped
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - \${DATA_DIR:-./data}:/data
      - ../../shared/hosts.yml:/etc/hosts.yml:ro${extra}
`;

/** Seed-shaped: `linked_repo` → `[[repo]]` pointing back at this repository. */
export function linkedShape(): Record<string, string> {
  const stack = (name: string, group: string, server: string, extra = "") => `
[[stack]]
name = "${name}"
[stack.config]
server = "${server}"
project_name = "${name}"
poll_for_updates = true
auto_update = true
linked_repo = "Github-homelab"
webhook_enabled = false
run_directory = "stacks/${group}/${name}"${extra}
`;
  return {
    "README.md": "# homelab\n",
    "syncs/servers.toml": SERVERS,
    "syncs/repos.toml": `[[repo]]
name = "Github-homelab"
[repo.config]
git_provider = "github.com"
repo = "alice/homelab"
branch = "main"
`,
    "syncs/resourcesync.toml": `[[resource_sync]]
name = "Github-homelab"
[resource_sync.config]
linked_repo = "Github-homelab"
webhook_enabled = false
resource_path = ["syncs"]
managed = true
pending_alert = false
`,
    "syncs/stacks.toml": [
      stack("dozzle-agent", "monitoring", "hercules", '\nenvironment = """\nDOZZLE_HOSTNAME=hercules\n"""'),
      stack("beszel-agent", "monitoring", "apollo"),
      stack("homepage", "dashboards", "hercules"),
      stack("ntfy", "applications", "apollo", '\nadditional_env_files = ["/etc/komodo/ntfy.env"]'),
    ].join(""),
    "stacks/shared/hosts.yml": "hercules: 10.2.0.70\n",
    "stacks/monitoring/dozzle-agent/compose.yaml": `${compose("dozzle", "amir20/dozzle:latest")}    env_file: .env\n`,
    "stacks/monitoring/beszel-agent/compose.yaml": compose("beszel", "henrygd/beszel-agent:latest"),
    "stacks/dashboards/homepage/compose.yaml": compose("homepage", "ghcr.io/gethomepage/homepage:latest"),
    "stacks/applications/ntfy/compose.yaml": `services:
  ntfy:
    image: binwiederhier/ntfy
    restart: unless-stopped
    env_file: /srv/ntfy/ntfy.env
`,
  };
}

/** zackwag-shaped: `repo = self`, run_directory at the root, file_paths into subfolders, variables held by Komodo. */
export function selfShape(): Record<string, string> {
  const stack = (name: string, path: string, extra = "") => `
[[stack]]
name = "${name}"
[stack.config]
server = "hercules"
git_provider = "GitHub.com"
repo = "Alice/Homelab"
file_paths = ["${path}"]${extra}
`;
  return {
    "README.md": "# homelab\n",
    "komodo/resources.toml": `${SERVERS}
[[resource_sync]]
name = "homelab"
[resource_sync.config]
git_provider = "GitHub.com"
repo = "Alice/Homelab"
resource_path = ["komodo"]
${[
  stack("jellyfin", "media/jellyfin/compose.yaml", '\nenvironment = """\n  TZ = [[TZ]]\n"""'),
  stack("immich", "media/immich/docker-compose.yml"),
  stack("paperless", "docs/paperless/compose.yaml"),
].join("")}`,
    "shared/hosts.yml": "hercules: 10.2.0.70\n",
    "media/jellyfin/compose.yaml": compose("jellyfin", "jellyfin/jellyfin", "\n      - /mnt/media:/media:ro"),
    "media/immich/docker-compose.yml": `${compose("immich-server", "ghcr.io/immich-app/immich-server:release")}    extends:
      file: hwaccel.transcoding.yml
      service: cpu
`,
    // Like Immich's official file: services that are only fragments, and one
    // (quicksync) this stack never extends, with a key no full service has.
    "media/immich/hwaccel.transcoding.yml": `services:
  cpu: {}
  quicksync:
    devices:
      - /dev/dri:/dev/dri
    x-not-a-service-key: true
    unknown_key_compose_rejects: 1
`,
    "docs/paperless/compose.yaml": compose("paperless", "ghcr.io/paperless-ngx/paperless-ngx"),
  };
}
