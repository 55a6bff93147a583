// Plans between real Git commits of a repository shaped like examples/homelab.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type GitRepo, gitRepo } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EMPTY_STATE,
  type FleetState,
  GitCommitSource,
  loadFleet,
  type Plan,
  planFleet,
  WorkingTreeSource,
} from "../src/index.js";

const HOMELAB = fileURLToPath(new URL("../../../examples/homelab", import.meta.url));

let repo: GitRepo;
let base: string;
let baseState: FleetState;

async function planAt(commit: string, state: FleetState = baseState): Promise<Plan> {
  const source = await GitCommitSource.open({ repository: repo.remote, revision: commit });
  try {
    const { fleet, errors } = await loadFleet(source);
    expect(errors).toEqual([]);
    return planFleet(fleet, state);
  } finally {
    await source.close();
  }
}

/** Commits a change on top of the base commit, on its own branch, and returns the SHA. */
async function change(name: string, edit: () => Promise<void>): Promise<string> {
  await repo.git(["checkout", "--quiet", "-B", name, base]);
  await edit();
  const sha = await repo.commit(name);
  await repo.git(["push", "--quiet", "origin", `HEAD:refs/heads/${name}`]);
  return sha;
}

const deploys = (plan: Plan) => plan.deploys.map((d) => ({ stack: d.stack, reasons: d.reasons }));

describe("planning between commits", () => {
  beforeAll(async () => {
    repo = await gitRepo();
    await repo.copyIn(HOMELAB);
    base = await repo.commitAndPush("homelab");
    const first = await planAt(base, EMPTY_STATE);
    expect(first.deploys).toHaveLength(13);
    expect(first.deploys.every((d) => d.reasons[0] === "new stack")).toBe(true);
    baseState = first.state;
  });
  afterAll(async () => {
    await repo?.cleanup();
  });

  it("deploys nothing when nothing changed", async () => {
    const plan = await planAt(base);
    expect(plan.deploys).toEqual([]);
    expect(plan.resources).toEqual([]);
  });

  it("changing one compose file redeploys exactly that stack, saying why", async () => {
    const sha = await change("one-stack", async () => {
      const file = join(repo.dir, "stacks/monitoring/beszel/compose.yaml");
      await writeFile(file, (await readFile(file, "utf8")).replace("mem_limit: 256m", "mem_limit: 384m"));
    });
    const plan = await planAt(sha);
    expect(deploys(plan)).toEqual([{ stack: "beszel", reasons: ["compose.yaml changed"] }]);
    expect(plan.resources).toEqual([{ kind: "stack", name: "beszel", action: "update" }]);
  });

  it("changing a shared bind-mounted file redeploys exactly the stacks that mount it", async () => {
    const sha = await change("shared-file", async () => {
      await writeFile(join(repo.dir, "config/shared/hosts.txt"), "hercules 10.2.0.70\napollo 100.102.0.11\n");
    });
    const plan = await planAt(sha);
    expect(deploys(plan)).toEqual([
      { stack: "homepage", reasons: ["config/shared/hosts.txt changed, bind-mounted by service web"] },
      { stack: "uptime-kuma", reasons: ["config/shared/hosts.txt changed, bind-mounted by service kuma"] },
    ]);
  });

  it("changing one host's environment redeploys only that host's copy of a shared compose file", async () => {
    const sha = await change("environment", async () => {
      const file = join(repo.dir, "syncs/stacks-apollo.toml");
      await writeFile(
        file,
        (await readFile(file, "utf8")).replace("DOZZLE_HOSTNAME=apollo", "DOZZLE_HOSTNAME=apollo-2"),
      );
    });
    expect(deploys(await planAt(sha))).toEqual([
      { stack: "dozzle-agent-apollo", reasons: ["environment changed: DOZZLE_HOSTNAME"] },
    ]);
  });

  it("moving a stack to another server says so", async () => {
    const sha = await change("move", async () => {
      const file = join(repo.dir, "syncs/stacks-apollo.toml");
      const text = await readFile(file, "utf8");
      await writeFile(
        file,
        text.replace('server = "apollo"\nproject_name = "beszel"', 'server = "hercules"\nproject_name = "beszel"'),
      );
    });
    expect(deploys(await planAt(sha))).toEqual([{ stack: "beszel", reasons: ["server changed apollo → hercules"] }]);
  });

  it("reordering TOML or touching an unrelated file deploys nothing", async () => {
    const sha = await change("reorder", async () => {
      const file = join(repo.dir, "syncs/stacks-oci-dmz.toml");
      const text = await readFile(file, "utf8");
      const [header = "", ...blocks] = text.split("\n[[stack]]");
      await writeFile(file, [header, ...blocks.reverse()].join("\n[[stack]]"));
      await writeFile(join(repo.dir, "README.md"), "# notes\n");
      await writeFile(join(repo.dir, "config/unused.yml"), "not referenced by any stack\n");
    });
    const plan = await planAt(sha);
    expect(plan.deploys).toEqual([]);
  });

  it("a stack with deploy_on_push = false waits as pending; deploy = true deploys it anyway", async () => {
    const pendingSha = await change("pending", async () => {
      const file = join(repo.dir, "syncs/stacks-oci-dmz.toml");
      const text = (await readFile(file, "utf8")).replace(
        'project_name = "ntfy"\npoll_for_updates = true\nauto_update = true',
        'project_name = "ntfy"\npoll_for_updates = true\nauto_update = true\ndeploy_on_push = false',
      );
      await writeFile(file, text);
      await writeFile(join(repo.dir, "stacks/applications/ntfy/ntfy.env"), "NTFY_CACHE_DURATION=24h\n");
    });
    const plan = await planAt(pendingSha);
    expect(plan.deploys).toEqual([]);
    expect(plan.pending.map((p) => [p.stack, p.reasons])).toEqual([["ntfy", ["ntfy.env changed"]]]);
    // Still pending on the next sync: nothing was deployed.
    expect((await planAt(pendingSha, plan.state)).pending.map((p) => p.stack)).toEqual(["ntfy"]);

    await repo.git(["checkout", "--quiet", pendingSha]);
    const file = join(repo.dir, "syncs/stacks-oci-dmz.toml");
    await writeFile(file, (await readFile(file, "utf8")).replace('name = "ntfy"\n', 'name = "ntfy"\ndeploy = true\n'));
    const forced = await repo.commit("deploy ntfy");
    await repo.git(["push", "--quiet", "origin", "HEAD:refs/heads/forced"]);
    expect(deploys(await planAt(forced))).toEqual([{ stack: "ntfy", reasons: ["ntfy.env changed"] }]);
  });

  it("orders deploys in waves by `after`", async () => {
    const first = planFleet(
      (await loadFleet(await GitCommitSource.open({ repository: repo.remote, revision: base }))).fleet,
    );
    const wave = (name: string) => first.deploys.find((d) => d.stack === name)?.wave;
    expect(wave("postgres")).toBe(1);
    expect(wave("homepage")).toBe(2);
    expect(wave("mealie")).toBe(2);
  });

  it("gives a working tree the same fingerprints as the commit it came from", async () => {
    await repo.git(["checkout", "--quiet", base]);
    const tree = await WorkingTreeSource.open(repo.dir);
    const fromTree = planFleet((await loadFleet(tree)).fleet);
    const fromCommit = await planAt(base, EMPTY_STATE);
    expect(fromTree.deploys.map((d) => [d.stack, d.fingerprint])).toEqual(
      fromCommit.deploys.map((d) => [d.stack, d.fingerprint]),
    );
  });
});
