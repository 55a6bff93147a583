// Issue 21, class 1 (second half): stacks whose files really are in another
// repository. The shape is a real one: a `komodo-config` repository holds the
// resources and a [[repo]] "infra.stacks" pointing at the repository with the
// compose files (`run_directory = "./src/<area>/<stack>"`, a `stack.compose.yaml`).
import { type GitRepo, gitRepo } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FleetState,
  GitCommitSource,
  type LoadFleetOptions,
  type LoadFleetResult,
  loadFleet,
  type OpenRepository,
  type Plan,
  planFleet,
} from "../src/index.js";

const CONFIG_URL = "https://github.com/alice/komodo-config.git";
const STACKS_URL = "https://github.com/alice/infra-stacks.git";

const CONFIG_REPO = {
  "komodo/sync.toml": `[[resource_sync]]
name = "komodo-config"
[resource_sync.config]
linked_repo = "komodo-config"
resource_path = ["komodo"]

[[repo]]
name = "komodo-config"
[repo.config]
git_provider = "github.com"
repo = "alice/komodo-config"

[[repo]]
name = "infra.stacks"
[repo.config]
git_provider = "github.com"
repo = "alice/infra-stacks"
`,
  "komodo/servers.toml": `[[server]]
name = "nas"
[server.config]
address = "https://10.0.0.5:8120"
enabled = true
`,
  "komodo/stacks.toml": `[[stack]]
name = "sonarr"
[stack.config]
server = "nas"
linked_repo = "infra.stacks"
run_directory = "./src/media/sonarr"
file_paths = ["stack.compose.yaml"]

[[stack]]
name = "radarr"
[stack.config]
server = "nas"
linked_repo = "infra.stacks"
run_directory = "./src/media/radarr"
file_paths = ["stack.compose.yaml"]

[[stack]]
name = "traefik"
[stack.config]
server = "nas"
git_provider = "github.com"
repo = "alice/infra-stacks"
run_directory = "src/edge/traefik"
`,
  "README.md": "# komodo config\n",
};

const arr = (name: string) => `services:
  ${name}:
    image: local/busybox:1
    volumes:
      - ../shared/arr.env:/config/arr.env:ro
`;

const STACKS_REPO = {
  "src/media/sonarr/stack.compose.yaml": arr("sonarr"),
  "src/media/radarr/stack.compose.yaml": arr("radarr"),
  "src/media/shared/arr.env": "TZ=Europe/Berlin\n",
  "src/edge/traefik/compose.yaml": "services:\n  traefik:\n    image: local/busybox:1\n",
  "README.md": "# stacks\n",
};

async function commitFiles(repo: GitRepo, files: Record<string, string>, message: string): Promise<string> {
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  return repo.commitAndPush(message);
}

describe("stacks whose files are in another repository", () => {
  let config: GitRepo;
  let stacks: GitRepo;
  let configSha: string;
  let baseSha: string;
  let base: FleetState;

  /** Opens infra-stacks at `sha` for both of its names (core fetches it by URL; here it is a local remote). */
  const at =
    (sha: string): OpenRepository =>
    async (ref) => {
      expect([ref.url, ref.branch]).toEqual([STACKS_URL, "main"]);
      return GitCommitSource.open({ repository: stacks.remote, revision: sha });
    };

  async function load(options: LoadFleetOptions): Promise<LoadFleetResult> {
    const source = await GitCommitSource.open({ repository: config.remote, revision: configSha });
    try {
      return await loadFleet(source, { selfRepositories: [CONFIG_URL], selfBranch: "main", ...options });
    } finally {
      await source.close();
    }
  }

  async function planAt(sha: string): Promise<Plan> {
    const { fleet, errors } = await load({ repositories: at(sha) });
    expect(errors).toEqual([]);
    return planFleet(fleet, base);
  }

  /** A commit on its own branch off the base: each plan compares one change with what was deployed. */
  async function change(name: string, files: Record<string, string>): Promise<string> {
    await stacks.git(["checkout", "--quiet", "-B", name, baseSha]);
    for (const [path, content] of Object.entries(files)) await stacks.write(path, content);
    const sha = await stacks.commit(name);
    await stacks.git(["push", "--quiet", "origin", `HEAD:refs/heads/${name}`]);
    return sha;
  }

  const deploys = (plan: Plan) => plan.deploys.map((d) => [d.stack, d.reasons, d.recreate]);

  beforeAll(async () => {
    config = await gitRepo();
    configSha = await commitFiles(config, CONFIG_REPO, "config");
    stacks = await gitRepo();
    baseSha = await commitFiles(stacks, STACKS_REPO, "stacks");
    const { fleet, errors } = await load({ repositories: at(baseSha) });
    expect(errors).toEqual([]);
    base = planFleet(fleet).state;
  });
  afterAll(async () => {
    await config?.cleanup();
    await stacks?.cleanup();
  });

  it("offline, without a checkout of it: one warning per repository, naming its stacks and --repo", async () => {
    const { errors, warnings, fleet } = await load({});
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.code, w.file, w.line, w.message])).toEqual([
      [
        "W_OTHER_REPOSITORY",
        "komodo/stacks.toml",
        5,
        "3 stacks: radarr, sonarr, traefik read their files from another repository, https://github.com/alice/infra-stacks.git#main, not checked here: give --repo infra.stacks=PATH with a checkout of it",
      ],
    ]);
    expect(fleet.stacks.map((s) => [s.name, s.inputs])).toEqual([
      ["sonarr", []],
      ["radarr", []],
      ["traefik", []],
    ]);
  });

  it("read from it: exactly what each deploy reads there, at its commit", async () => {
    const { fleet } = await load({ repositories: at(baseSha) });
    const sonarr = fleet.stacks.find((s) => s.name === "sonarr");
    expect(sonarr?.source).toEqual({
      kind: "repo",
      url: STACKS_URL,
      branch: "main",
      name: "infra.stacks",
      commit: baseSha,
    });
    expect(sonarr?.inputs.map((i) => [i.path, i.via])).toEqual([
      ["src/media/shared/arr.env", "bind-mounted by service sonarr"],
      ["src/media/sonarr/stack.compose.yaml", "compose file"],
    ]);
    expect(base.repositories).toEqual({ [`${STACKS_URL}#main`]: baseSha });
  });

  it("a README edit there deploys nothing; a compose edit deploys its stack; a shared file its two readers", async () => {
    const readme = await change("readme", { "README.md": "# edited\n" });
    expect(deploys(await planAt(readme))).toEqual([]);
    expect((await planAt(readme)).state.repositories).toEqual({ [`${STACKS_URL}#main`]: readme });

    const compose = await change("traefik", {
      "src/edge/traefik/compose.yaml": "services:\n  traefik:\n    image: local/busybox:2\n",
    });
    expect(deploys(await planAt(compose))).toEqual([["traefik", ["compose.yaml changed"], []]]);

    const shared = await change("shared", { "src/media/shared/arr.env": "TZ=UTC\n" });
    expect(deploys(await planAt(shared))).toEqual([
      ["radarr", ["src/media/shared/arr.env changed, bind-mounted by service radarr"], ["radarr"]],
      ["sonarr", ["src/media/shared/arr.env changed, bind-mounted by service sonarr"], ["sonarr"]],
    ]);
  });

  it("an error in its files holds back its stacks only, naming the repository; this commit stays valid", async () => {
    const broken = await change("broken", { "src/media/radarr/stack.compose.yaml": "services:\n  radarr: [\n" });
    const { fleet, errors } = await load({ repositories: at(broken) });
    expect(errors.map((e) => [e.code, e.file, e.repository])).toEqual([
      ["E_COMPOSE_YAML", `${STACKS_URL}#main:src/media/radarr/stack.compose.yaml`, `${STACKS_URL}#main`],
    ]);
    const plan = planFleet(fleet, base);
    expect(plan.deploys).toEqual([]);
    expect(plan.skipped.map((s) => [s.stack, s.reason])).toEqual(
      ["sonarr", "radarr", "traefik"].map((stack) => [
        stack,
        `${STACKS_URL} (main) commit ${broken.slice(0, 7)} has 1 error(s) in its files: nothing deploys from it until they are fixed`,
      ]),
    );
    // What runs stays what was deployed, and the commit it was read at.
    expect(plan.state.stacks).toEqual(base.stacks);
    expect(plan.state.repositories).toEqual(base.repositories);
  });

  it("a repository that cannot be read: its stacks keep what they run, and the plan says why", async () => {
    const { fleet, errors } = await load({ repositories: async () => ({ problem: "cannot reach it: timed out" }) });
    expect(errors).toEqual([]);
    const plan = planFleet(fleet, base);
    expect(plan.deploys).toEqual([]);
    expect(plan.skipped.map((s) => s.reason)).toEqual([
      `cannot read ${STACKS_URL}#main: cannot reach it: timed out`,
      `cannot read ${STACKS_URL}#main: cannot reach it: timed out`,
      `cannot read ${STACKS_URL}#main: cannot reach it: timed out`,
    ]);
    expect(plan.state.stacks).toEqual(base.stacks);
    expect(plan.state.repositories).toEqual(base.repositories);
  });
});
