// Issue 21: Komodo repositories as they are. Fixtures shaped like real public
// repositories (komodo-shapes.ts) validate, and plans between real commits
// deploy exactly the stacks whose files changed.
import { type GitRepo, gitRepo } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FleetState,
  GitCommitSource,
  type LoadFleetOptions,
  loadFleet,
  type Plan,
  planFleet,
} from "../src/index.js";
import { loadFiles, repo } from "./fixture.js";
import { linkedShape, SELF_URL, selfShape } from "./komodo-shapes.js";

const codes = (items: ReadonlyArray<{ code: string; file: string; line: number }>) =>
  items.map((d) => [d.code, d.file, d.line]);

describe("a linked_repo-to-self repository (the seed's shape)", () => {
  it("validates, and its stacks read their files here", async () => {
    const { errors, warnings, fleet } = await loadFiles(linkedShape());
    expect(errors).toEqual([]);
    expect(fleet.stacks.map((s) => [s.name, s.source.kind])).toEqual([
      ["dozzle-agent", "sync"],
      ["beszel-agent", "sync"],
      ["homepage", "sync"],
      ["ntfy", "sync"],
    ]);
    expect(fleet.syncs.map((s) => [s.name, s.self])).toEqual([["Github-homelab", true]]);
    // Host env files are said to be read on the server; the env file the deploy writes is not "missing".
    expect(warnings.filter((w) => w.code === "W_HOST_FILE").map((w) => w.message)).toEqual([
      'stack "ntfy": env_file "/srv/ntfy/ntfy.env" of service ntfy is a file on the server, read there at deploy; not checked here',
      'stack "ntfy": additional env file "/etc/komodo/ntfy.env" is a file on the server, read there at deploy; not checked here',
    ]);
    expect(warnings.map((w) => w.code)).not.toContain("W_LINKED_REPO_UNDEFINED");
  });

  it("fingerprints exactly what each deploy reads", async () => {
    const { fleet } = await loadFiles(linkedShape());
    const dozzle = fleet.stacks.find((s) => s.name === "dozzle-agent");
    expect(dozzle?.inputs.map((i) => [i.path, i.via])).toEqual([
      ["stacks/monitoring/dozzle-agent/compose.yaml", "compose file"],
      ["stacks/shared/hosts.yml", "bind-mounted by service dozzle"],
    ]);
    expect(dozzle?.fileMounts).toEqual([{ service: "dozzle", path: "stacks/shared/hosts.yml" }]);
  });

  it("does not count a committed .env the deploy writes over, and counts one it uses as it is", async () => {
    const files = {
      ...linkedShape(),
      "stacks/monitoring/dozzle-agent/.env": "DOZZLE_HOSTNAME=old\n",
      "stacks/monitoring/beszel-agent/.env": "KEY=from-git\n",
    };
    const { fleet } = await loadFiles(files);
    const inputs = (name: string) => fleet.stacks.find((s) => s.name === name)?.inputs.map((i) => i.path);
    // dozzle-agent has an environment: the agent writes its .env, the committed one is never read.
    expect(inputs("dozzle-agent")).not.toContain("stacks/monitoring/dozzle-agent/.env");
    // beszel-agent has none: the committed .env is used as it is.
    expect(inputs("beszel-agent")).toContain("stacks/monitoring/beszel-agent/.env");
  });

  it("a VAR-with-default volume (DATA_DIR:-./data) is a bind mount of ./data, not a volume named after half of it", async () => {
    const { warnings } = await loadFiles(linkedShape());
    const binds = warnings.filter((w) => w.code === "W_MISSING_BIND_SOURCE").map((w) => w.message);
    expect(binds).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Compose variable, not a template
      'bind mount source "${DATA_DIR:-./data}" of service dozzle is not in the repository; Docker will create it as an empty folder',
    );
  });

  it("an absolute env_file_path with an environment is refused at its line: the deploy would write over a host file", async () => {
    const files = linkedShape();
    files["syncs/stacks.toml"] = (files["syncs/stacks.toml"] ?? "").replace(
      'run_directory = "stacks/monitoring/dozzle-agent"',
      'run_directory = "stacks/monitoring/dozzle-agent"\nenv_file_path = "/etc/dozzle.env"',
    );
    const { errors } = await loadFiles(files);
    // And the `.env` its compose file reads is then written by nothing.
    expect(codes(errors)).toEqual([
      ["E_MISSING_FILE", "stacks/monitoring/dozzle-agent/compose.yaml", 9],
      ["E_INVALID_VALUE", "syncs/stacks.toml", 12],
    ]);
    expect(errors[1]?.message).toContain("would write the environment over that host file");
  });
});

describe("a repo-is-self repository with run_directory at the root (zackwag's shape)", () => {
  // No resource paths given: the repository's [[resource_sync]] (in komodo/) says where.
  const options: LoadFleetOptions = { selfRepositories: [SELF_URL] };

  it('recognises `repo = "Alice/Homelab"` on GitHub.com as this repository', async () => {
    const { errors, fleet } = await loadFiles(selfShape(), {}, options);
    expect(errors).toEqual([]);
    expect(fleet.stacks.map((s) => s.source.kind)).toEqual(["sync", "sync", "sync"]);
  });

  it("names another repository as external, and this one on another branch too", async () => {
    const files = selfShape();
    files["komodo/resources.toml"] = (files["komodo/resources.toml"] ?? "")
      .replace('repo = "Alice/Homelab"\nfile_paths = ["docs', 'repo = "alice/other"\nfile_paths = ["docs')
      .replace(
        'repo = "Alice/Homelab"\nfile_paths = ["media/immich',
        'repo = "Alice/Homelab"\nbranch = "dev"\nfile_paths = ["media/immich',
      );
    const { fleet } = await loadFiles(files, {}, options);
    expect(fleet.stacks.map((s) => [s.name, s.source.kind])).toEqual([
      ["jellyfin", "sync"],
      ["immich", "repo"],
      ["paperless", "repo"],
    ]);
  });

  it("schema-checks only the service a stack extends (Immich's hwaccel file)", async () => {
    const { errors, fleet } = await loadFiles(selfShape(), {}, options);
    expect(errors).toEqual([]);
    const immich = fleet.stacks.find((s) => s.name === "immich");
    expect(immich?.inputs.map((i) => [i.path, i.via])).toEqual([
      ["media/immich/docker-compose.yml", "compose file"],
      ["media/immich/hwaccel.transcoding.yml", "extended by service immich-server"],
      ["shared/hosts.yml", "bind-mounted by service immich-server"],
    ]);
  });

  it("reports an extended service that does not exist", async () => {
    const files = selfShape();
    files["media/immich/docker-compose.yml"] = (files["media/immich/docker-compose.yml"] ?? "").replace(
      "service: cpu",
      "service: nvenc",
    );
    const { errors } = await loadFiles(files, {}, options);
    expect(codes(errors)).toEqual([["E_COMPOSE_EXTENDS", "media/immich/docker-compose.yml", 10]]);
  });

  it("still schema-checks a whole compose file a stack uses directly", async () => {
    const files = selfShape();
    files["komodo/resources.toml"] = (files["komodo/resources.toml"] ?? "").replace(
      "media/immich/docker-compose.yml",
      "media/immich/hwaccel.transcoding.yml",
    );
    const { errors } = await loadFiles(files, {}, options);
    expect(errors.map((e) => e.code)).toContain("E_COMPOSE_SCHEMA");
  });
});

describe("plans between real commits", () => {
  let linked: GitRepo;
  let self: GitRepo;
  const bases = new Map<GitRepo, { sha: string; state: FleetState }>();

  async function planAt(repo: GitRepo, sha: string, options: LoadFleetOptions = {}): Promise<Plan> {
    const source = await GitCommitSource.open({ repository: repo.remote, revision: sha });
    try {
      const { fleet, errors } = await loadFleet(source, options);
      expect(errors).toEqual([]);
      return planFleet(fleet, bases.get(repo)?.state);
    } finally {
      await source.close();
    }
  }

  async function setUp(files: Record<string, string>, options: LoadFleetOptions = {}) {
    const repo = await gitRepo();
    for (const [path, content] of Object.entries(files)) await repo.write(path, content);
    const sha = await repo.commitAndPush("base");
    bases.set(repo, { sha, state: (await planAt(repo, sha, options)).state });
    return repo;
  }

  async function change(repo: GitRepo, name: string, files: Record<string, string>): Promise<string> {
    await repo.git(["checkout", "--quiet", "-B", name, bases.get(repo)?.sha ?? ""]);
    for (const [path, content] of Object.entries(files)) await repo.write(path, content);
    const sha = await repo.commit(name);
    await repo.git(["push", "--quiet", "origin", `HEAD:refs/heads/${name}`]);
    return sha;
  }

  const deploys = (plan: Plan) => plan.deploys.map((d) => [d.stack, d.reasons, d.recreate]);
  const selfOptions: LoadFleetOptions = { selfRepositories: [SELF_URL] };

  beforeAll(async () => {
    linked = await setUp(linkedShape());
    self = await setUp(selfShape(), selfOptions);
  });
  afterAll(async () => {
    await linked?.cleanup();
    await self?.cleanup();
  });

  it("a README edit deploys nothing", async () => {
    expect(deploys(await planAt(linked, await change(linked, "readme", { "README.md": "# edited\n" })))).toEqual([]);
    const sha = await change(self, "readme", { "README.md": "# edited\n", "notes/todo.md": "- x\n" });
    expect(deploys(await planAt(self, sha, selfOptions))).toEqual([]);
  });

  it("an edit to one compose file deploys exactly the stack that reads it", async () => {
    const sha = await change(linked, "one", {
      "stacks/monitoring/beszel-agent/compose.yaml": `${linkedShape()["stacks/monitoring/beszel-agent/compose.yaml"]}    mem_limit: 64m\n`,
    });
    expect(deploys(await planAt(linked, sha))).toEqual([["beszel-agent", ["compose.yaml changed"], []]]);
    // With run_directory at the root, a path reads from the repository root.
    const selfSha = await change(self, "one", {
      "docs/paperless/compose.yaml": `${selfShape()["docs/paperless/compose.yaml"]}    mem_limit: 64m\n`,
    });
    expect(deploys(await planAt(self, selfSha, selfOptions))).toEqual([
      ["paperless", ["docs/paperless/compose.yaml changed"], []],
    ]);
  });

  it("an edit to a file three stacks bind-mount deploys those three, recreating the services", async () => {
    const sha = await change(linked, "shared", { "stacks/shared/hosts.yml": "hercules: 10.2.0.71\n" });
    expect(deploys(await planAt(linked, sha))).toEqual([
      ["beszel-agent", ["stacks/shared/hosts.yml changed, bind-mounted by service beszel"], ["beszel"]],
      ["dozzle-agent", ["stacks/shared/hosts.yml changed, bind-mounted by service dozzle"], ["dozzle"]],
      ["homepage", ["stacks/shared/hosts.yml changed, bind-mounted by service homepage"], ["homepage"]],
    ]);
    const selfSha = await change(self, "shared", { "shared/hosts.yml": "hercules: 10.2.0.71\n" });
    expect((await planAt(self, selfSha, selfOptions)).deploys.map((d) => d.stack)).toEqual([
      "immich",
      "jellyfin",
      "paperless",
    ]);
  });

  it("an edit to an extended file deploys the stack that extends it", async () => {
    const sha = await change(self, "extends", {
      "media/immich/hwaccel.transcoding.yml": "services:\n  cpu:\n    cpu_shares: 512\n",
    });
    expect(deploys(await planAt(self, sha, selfOptions))).toEqual([
      ["immich", ["media/immich/hwaccel.transcoding.yml changed"], []],
    ]);
  });
});

describe("servers another repository declares", () => {
  const onNas = () => {
    const files = linkedShape();
    files["syncs/stacks.toml"] = (files["syncs/stacks.toml"] ?? "").replace(
      'server = "apollo"\nproject_name = "beszel-agent"',
      'server = "nas"\nproject_name = "beszel-agent"',
    );
    return files;
  };

  it("are unknown unless said so: by tugboat.toml [servers] external, or by --server", async () => {
    expect(codes((await loadFiles(onNas())).errors)).toEqual([["E_UNKNOWN_SERVER", "syncs/stacks.toml", 19]]);
    const declared = await loadFiles({ ...onNas(), "tugboat.toml": '[servers]\nexternal = ["nas"]\n' });
    expect(declared.errors).toEqual([]);
    expect((await loadFiles(onNas(), {}, { externalServers: ["nas"] })).errors).toEqual([]);
  });

  it("are checked against the servers core really knows, whatever tugboat.toml says", async () => {
    const files = { ...onNas(), "tugboat.toml": '[servers]\nexternal = ["nas"]\n' };
    const atCore = await loadFiles(files, {}, { knownServers: new Map([["nas2", true]]) });
    expect(codes(atCore.errors)).toEqual([["E_UNKNOWN_SERVER", "syncs/stacks.toml", 19]]);
  });
});

describe("finding the resource files", () => {
  it("reads what the repository's own [[resource_sync]] reads, wherever it is declared", async () => {
    const files = { ...selfShape(), "old/legacy.toml": '[[stack]]\nname = "gone"\n', "pyproject.toml": "[tool.x]\n" };
    const { fleet, warnings } = await loadFiles(files, {}, { selfRepositories: [SELF_URL] });
    expect(fleet.resourcePaths).toEqual(["komodo"]);
    expect(fleet.stacks.map((s) => s.name)).toEqual(["jellyfin", "immich", "paperless"]);
    expect(warnings.filter((w) => w.code === "W_UNREAD_RESOURCES").map((w) => w.message)).toEqual([
      "old/legacy.toml holds Komodo resources, but no [[resource_sync]] of this repository reads it (they read komodo); not applied",
    ]);
  });

  it("reads every sync pointing here, and none naming another repository", async () => {
    const files = selfShape();
    files["komodo/syncs.toml"] = `[[resource_sync]]
name = "media"
[resource_sync.config]
git_provider = "github.com"
repo = "alice/homelab"
resource_path = ["media-resources"]

[[resource_sync]]
name = "friend"
[resource_sync.config]
repo = "bob/homelab"
resource_path = ["bob"]
`;
    files["media-resources/extra.toml"] = '[[variable]]\nname = "TZ"\nvalue = "Europe/Berlin"\n';
    files["bob/stacks.toml"] = '[[stack]]\nname = "bobs"\n';
    const { fleet, warnings } = await loadFiles(files, {}, { selfRepositories: [SELF_URL] });
    expect(fleet.resourcePaths).toEqual(["komodo", "media-resources"]);
    expect(fleet.syncs.map((s) => [s.name, s.self])).toEqual([
      ["homelab", true],
      ["media", true],
      ["friend", false],
    ]);
    // include_variables is off by default, as in Komodo: the variable is not applied, and [[TZ]] stays unresolved.
    expect(warnings.map((w) => w.code)).toContain("W_NOT_INCLUDED");
    expect(fleet.variables).toEqual([]);
    expect(fleet.stacks.find((s) => s.name === "jellyfin")?.unresolvedVariables).toEqual(["TZ"]);
  });

  it("applies variables when include_variables = true, and only resources with every match_tag", async () => {
    const files = selfShape();
    files["komodo/resources.toml"] = (files["komodo/resources.toml"] ?? "")
      .replace(
        'resource_path = ["komodo"]',
        'resource_path = ["komodo"]\ninclude_variables = true\nmatch_tags = ["media"]',
      )
      .replace('name = "jellyfin"', 'name = "jellyfin"\ntags = ["media"]')
      .replace('name = "hercules"', 'name = "hercules"\ntags = ["media"]');
    files["komodo/variables.toml"] = '[[variable]]\nname = "TZ"\nvalue = "Europe/Berlin"\n';
    const { fleet, errors, warnings } = await loadFiles(files, {}, { selfRepositories: [SELF_URL] });
    expect(errors).toEqual([]);
    expect(fleet.stacks.map((s) => s.name)).toEqual(["jellyfin"]);
    expect(fleet.servers.map((s) => s.name)).toEqual(["hercules"]);
    expect(fleet.stacks[0]?.environment.map((e) => [e.name, e.value])).toEqual([["TZ", "Europe/Berlin"]]);
    expect(warnings.filter((w) => w.code === "W_NOT_INCLUDED").map((w) => w.message)).toEqual([
      '1 [[server]] entry is not applied: sync "homelab" has match_tags = [media]',
      '2 [[stack]] entries are not applied: sync "homelab" has match_tags = [media]',
    ]);
  });

  it("with no [[resource_sync]] at all, reads every TOML file holding resources", async () => {
    const files = selfShape();
    files["komodo/resources.toml"] = (files["komodo/resources.toml"] ?? "").replace(/\[\[resource_sync\]\][^[]*/, "");
    files["komodo/servers-extra.toml"] = '[[server]]\nname = "apollo2"\n';
    const { fleet } = await loadFiles(files, {}, { selfRepositories: [SELF_URL] });
    expect(fleet.resourcePaths).toEqual(["komodo/resources.toml", "komodo/servers-extra.toml"]);
  });
});

describe("a changed build context", () => {
  const files = (version: string) =>
    repo({
      "stacks/app/compose.yaml": "services:\n  app:\n    build: ./src\n  cache:\n    image: local/busybox:1\n",
      "stacks/app/src/Dockerfile": `FROM local/busybox:1\nRUN echo ${version}\n`,
    });

  it("redeploys and builds exactly the service whose context changed", async () => {
    const before = planFleet((await loadFiles(files("v1"))).fleet);
    const plan = planFleet((await loadFiles(files("v2"))).fleet, before.state);
    expect(plan.deploys.map((d) => [d.stack, d.reasons, d.build])).toEqual([["app", ["src changed"], ["app"]]]);
    expect(planFleet((await loadFiles(files("v1"))).fleet, before.state).deploys).toEqual([]);
  });
});
