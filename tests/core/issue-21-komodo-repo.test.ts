// Issue 21, end to end on a private dockerd with the defaults users have (no
// auto_pull = false): a seed-shaped fleet whose stacks say linked_repo, with
// the [[repo]] pointing back at the sync's own repository, deploys; a push
// changing one compose file recreates exactly that stack's containers; a
// [[VARIABLE]] held by core and one held in the agent's [secrets] both reach
// their containers, and neither appears in any reply, record or log. A stack
// whose files are in another repository (a [[repo]] on the same forge)
// follows that repository: a push there, with none here, recreates it.
import type { RunningAgent } from "@tugboat/agent";
import type { FleetState } from "@tugboat/config";
import type { RunningCore } from "@tugboat/core";
import {
  daemonHost,
  docker,
  type GitHttpServer,
  type GitRepo,
  gitHttpServer,
  gitRepo,
  sharedDaemons,
  type TempDir,
  tempDir,
  waitFor,
} from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, login, removeProjects, serverToml, startTestAgent, startTestCore } from "./fixture.js";

const daemons = sharedDaemons();
const suffix = String(process.pid);
const CORE_HELD = "core-held-Vb72Lq";
const AGENT_HELD = "agent-held-Mx40Rt";

const compose = (variable: string, extra = "") => `services:
  app:
    image: local/busybox:1
    init: true
    restart: unless-stopped
    command: ["sh", "-c", "echo ready; exec sleep 2147483647"]
    environment:
      ${variable}: \${${variable}}${extra}
`;

describe.skipIf(daemons.skipReason !== "")("a Komodo repository as it is, end to end", () => {
  let host: string;
  let agent: RunningAgent;
  let core: RunningCore;
  let repo: GitRepo;
  let apps: GitRepo;
  let forge: GitHttpServer;
  let data: TempDir;
  let agentDir: TempDir;
  let token: string;
  const logLines: string[] = [];
  const api = apiClient(
    () => core.url,
    () => token,
  );
  const containerOf = async (project: string) =>
    (await docker(host, ["ps", "-q", "--filter", `label=com.docker.compose.project=${project}`])).stdout.trim();
  const envOf = async (container: string) =>
    (await docker(host, ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", container])).stdout;

  beforeAll(async () => {
    host = daemonHost(daemons, 2);
    agentDir = await tempDir("tug-komodo-agent-");
    agent = await startTestAgent({ dockerHost: host, root: agentDir.path, secrets: { API_TOKEN: AGENT_HELD } });
    forge = await gitHttpServer();
    repo = await gitRepo();
    const url = await forge.serve(repo.remote, "homelab");
    const { host: provider, pathname } = new URL(url);
    apps = await gitRepo();
    const appsPath = new URL(await forge.serve(apps.remote, "apps")).pathname;
    await apps.write("README.md", "# apps\n");
    await apps.write("src/gamma/stack.compose.yaml", compose("GAMMA"));
    await apps.commitAndPush("apps");
    const stack = (name: string) => `
[[stack]]
name = "${name}"
[stack.config]
server = "solo"
project_name = "${name}-${suffix}"
poll_for_updates = true
auto_update = true
linked_repo = "Forge-homelab"
webhook_enabled = false
run_directory = "stacks/apps/${name}"
environment = """
${name === "alpha" ? "DB_PASSWORD = [[DB_PASSWORD]]" : "API_TOKEN = [[API_TOKEN]]"}
"""
`;
    await repo.write("README.md", "# homelab\n");
    await repo.write("syncs/servers.toml", serverToml("solo", agent));
    await repo.write(
      "syncs/repos.toml",
      [
        ["Forge-homelab", pathname],
        ["Forge-apps", appsPath],
      ]
        .map(
          ([name, path]) =>
            `[[repo]]\nname = "${name}"\n[repo.config]\ngit_provider = "${provider}"\ngit_https = false\nrepo = "${path?.slice(1).replace(/\.git$/, "")}"\n`,
        )
        .join("\n"),
    );
    await repo.write(
      "syncs/resourcesync.toml",
      `[[resource_sync]]\nname = "root"\n[resource_sync.config]\nlinked_repo = "Forge-homelab"\nwebhook_enabled = false\nresource_path = ["syncs"]\nmanaged = true\npending_alert = false\n`,
    );
    const gamma = `
[[stack]]
name = "gamma"
[stack.config]
server = "solo"
project_name = "gamma-${suffix}"
linked_repo = "Forge-apps"
run_directory = "./src/gamma"
file_paths = ["stack.compose.yaml"]
environment = "GAMMA = from-git"
`;
    await repo.write("syncs/stacks.toml", stack("alpha") + stack("beta") + gamma);
    await repo.write("stacks/apps/alpha/compose.yaml", compose("DB_PASSWORD"));
    await repo.write("stacks/apps/beta/compose.yaml", compose("API_TOKEN"));
    await repo.commitAndPush("homelab as on GitHub");
    data = await tempDir("tug-komodo-core-");
    core = await startTestCore({ dataDir: data.path, syncRepo: url, log: (line) => logLines.push(line) });
    token = await login(core.url);
  });

  afterAll(async () => {
    await core?.close();
    await agent?.close();
    await removeProjects(host, [`alpha-${suffix}`, `beta-${suffix}`, `gamma-${suffix}`]);
    await forge?.close();
    await repo?.cleanup();
    await apps?.cleanup();
    await data?.cleanup();
    await agentDir?.cleanup();
  });

  it("deploys the stack whose variable the agent holds; the one set nowhere fails, naming it", async () => {
    await waitFor(async () => (await core.context.syncs.get("root"))?.status === "failed", {
      what: "the first sync (alpha's [[DB_PASSWORD]] is set nowhere yet)",
      timeoutMs: 90_000,
    });
    expect((await core.context.stacks.get("beta"))?.deployedFingerprint).not.toBeNull();
    expect((await core.context.stacks.get("alpha"))?.deployedFingerprint).toBeNull();
    expect(await envOf(await containerOf(`beta-${suffix}`))).toContain(`API_TOKEN=${AGENT_HELD}`);
    const updates = await api<Array<{ id: string; targetName: string; status: string }>>("GET", "/api/updates");
    const failed = updates.body.find((u) => u.targetName === "alpha" && u.status === "failed");
    const detail = await api<unknown>("GET", `/api/updates/${failed?.id}`);
    expect(JSON.stringify(detail.body)).toContain("[[DB_PASSWORD]] is set nowhere");
    expect(await containerOf(`alpha-${suffix}`)).toBe("");
  });

  it("deploys it once core holds the variable, leaving the other stack's container alone", async () => {
    const before = await containerOf(`beta-${suffix}`);
    const set = await api("PUT", "/api/variables/DB_PASSWORD", { value: CORE_HELD, secret: true });
    expect(set.status).toBe(200);
    await api("POST", "/api/syncs/root/run");
    await waitFor(async () => (await core.context.stacks.get("alpha"))?.deployedFingerprint != null, {
      what: "alpha deployed",
      timeoutMs: 60_000,
    });
    expect(await envOf(await containerOf(`alpha-${suffix}`))).toContain(`DB_PASSWORD=${CORE_HELD}`);
    expect(await containerOf(`beta-${suffix}`)).toBe(before);
  });

  it("a push changing one compose file recreates exactly that stack's containers", async () => {
    const alpha = await containerOf(`alpha-${suffix}`);
    const beta = await containerOf(`beta-${suffix}`);
    await repo.write("stacks/apps/beta/compose.yaml", compose("API_TOKEN", "\n      EDITED: 'yes'"));
    await repo.write("README.md", "# homelab, edited\n");
    const sha = await repo.commitAndPush("edit beta");
    await api("POST", "/api/syncs/root/run");
    await waitFor(async () => (await core.context.syncs.get("root"))?.appliedCommit === sha, {
      what: "the push applied",
      timeoutMs: 60_000,
    });
    expect(await containerOf(`alpha-${suffix}`)).toBe(alpha);
    const recreated = await containerOf(`beta-${suffix}`);
    expect(recreated).not.toBe(beta);
    expect(await envOf(recreated)).toContain("EDITED=yes");
  });

  it("a stack in another repository follows it: a push there alone recreates exactly that stack", async () => {
    const sync = await core.context.syncs.get("root");
    const gamma = await containerOf(`gamma-${suffix}`);
    expect(await envOf(gamma)).toContain("GAMMA=from-git");
    const others = [await containerOf(`alpha-${suffix}`), await containerOf(`beta-${suffix}`)];
    // A README edit there changes nothing anyone reads: the check runs, and deploys nothing.
    await apps.write("README.md", "# apps, edited\n");
    await apps.commitAndPush("readme");
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("applied");
    expect(await containerOf(`gamma-${suffix}`)).toBe(gamma);
    await apps.write("src/gamma/stack.compose.yaml", compose("GAMMA", "\n      EDITED: 'there'"));
    const sha = await apps.commitAndPush("edit gamma");
    // A poll: this repository did not move, the other one did.
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("applied");
    const recreated = await containerOf(`gamma-${suffix}`);
    expect(recreated).not.toBe(gamma);
    expect(await envOf(recreated)).toContain("EDITED=there");
    expect([await containerOf(`alpha-${suffix}`), await containerOf(`beta-${suffix}`)]).toEqual(others);
    expect((await core.context.syncs.get("root"))?.appliedCommit).toBe(sync?.appliedCommit);
    const state = await core.context.syncs.appliedState("root");
    expect("repositories" in state ? Object.values(state.repositories ?? {}) : []).toEqual([sha]);
    // Nothing moved anywhere: the poll is a no-op.
    expect((await core.context.engine.check("root", { trigger: "poll", actor: "poll" })).status).toBe("unchanged");
  });

  it("an upgrade from a state that fingerprinted none of the other repository's files redeploys nothing", async () => {
    const containers = async () => Promise.all(["alpha", "beta", "gamma"].map((n) => containerOf(`${n}-${suffix}`)));
    const before = await containers();
    const sync = await core.context.syncs.get("root");
    const current = (await core.context.syncs.appliedState("root")) as FleetState;
    const gamma = current.stacks.gamma;
    if (!gamma || !sync?.appliedCommit) throw new Error("gamma was not deployed");
    // What the previous version (state 3) stored: gamma's fingerprint without any file of the other repository.
    const { repositories: _read, ...older } = current;
    const stored = {
      ...older,
      version: 3,
      stacks: { ...older.stacks, gamma: { fingerprint: "0".repeat(64), parts: { ...gamma.parts, inputs: {} } } },
    };
    await core.context.syncs.saveAppliedState("root", stored as unknown as FleetState, sync.appliedCommit);
    const outcome = await core.context.engine.check("root", { trigger: "user", actor: "admin" }, { force: true });
    expect(outcome.status).toBe("applied");
    expect(await containers()).toEqual(before);
    const rebuilt = (await core.context.syncs.appliedState("root")) as FleetState;
    expect([rebuilt.version, rebuilt.stacks.gamma?.fingerprint]).toEqual([4, gamma.fingerprint]);
  });

  it("a rebuild while the other repository's head is broken holds back only its stacks, redeploying none", async () => {
    const sync = await core.context.syncs.get("root");
    const current = (await core.context.syncs.appliedState("root")) as FleetState;
    if (!sync?.appliedCommit) throw new Error("nothing applied");
    await apps.write("src/gamma/stack.compose.yaml", "services:\n  app: [\n");
    await apps.commitAndPush("broken gamma");
    await core.context.syncs.saveAppliedState(
      "root",
      { ...current, version: 3 } as unknown as FleetState,
      sync.appliedCommit,
    );
    const deploys = async () =>
      (await core.context.log.store.list({ limit: 1000 })).filter((u) => u.operation !== "sync").length;
    const before = await deploys();
    const outcome = await core.context.engine.check("root", { trigger: "user", actor: "admin" }, { force: true });
    expect(outcome.status).toBe("failed");
    expect(await deploys()).toBe(before);
    const rebuilt = (await core.context.syncs.appliedState("root")) as FleetState;
    expect([rebuilt.stacks.alpha?.fingerprint, rebuilt.stacks.beta?.fingerprint]).toEqual([
      current.stacks.alpha?.fingerprint,
      current.stacks.beta?.fingerprint,
    ]);
    expect((await core.context.syncs.get("root"))?.lastError).toMatch(
      /^1 stack\(s\) held back: gamma \(http:\/\/.*\/apps\.git \(main\) commit [0-9a-f]{7} has 1 error\(s\) in its files/,
    );
  });

  it("shows neither value in any reply, record or log", async () => {
    const paths = ["/api/stacks", "/api/syncs", "/api/variables", "/api/updates", "/api/servers"];
    const updates = await api<Array<{ id: string }>>("GET", "/api/updates");
    paths.push(...updates.body.map((u) => `/api/updates/${u.id}`));
    paths.push("/api/stacks/alpha/logs?tail=50", "/api/stacks/beta/logs?tail=50");
    for (const path of paths) {
      const res = await fetch(`${core.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await res.text();
      expect(body, path).not.toContain(CORE_HELD);
      expect(body, path).not.toContain(AGENT_HELD);
    }
    const variables = await api<Array<{ name: string; secret: boolean; value: string }>>("GET", "/api/variables");
    expect(variables.body).toMatchObject([{ name: "DB_PASSWORD", secret: true, value: "" }]);
    expect(logLines.join("\n")).not.toContain(CORE_HELD);
    expect(logLines.join("\n")).not.toContain(AGENT_HELD);
  });
});
