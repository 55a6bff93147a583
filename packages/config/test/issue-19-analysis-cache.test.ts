// Issue 19: core keeps the analysis of every compose and TOML blob across
// syncs. A load through the cache must be the load without it: same fleet,
// same findings, same plan, on every commit of a repository edited at random;
// a changed blob is read again and an unchanged one is not; the bound holds.
import { type GitRepo, gitRepo } from "@tugboat/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AnalysisCache,
  EMPTY_STATE,
  type FleetState,
  GitCommitSource,
  type LoadFleetOptions,
  loadFleet,
  planFleet,
  type RepoSource,
} from "../src/index.js";
import { linkedShape, SELF_URL, selfShape } from "./komodo-shapes.js";

const OPTIONS: LoadFleetOptions = { selfRepositories: [SELF_URL], selfBranch: "main" };

/** A source that counts what is read from it. */
function counting(source: RepoSource, reads: string[]): RepoSource {
  return {
    label: source.label,
    ...(source.commit ? { commit: source.commit } : {}),
    entry: (path) => source.entry(path),
    list: (path) => source.list(path),
    files: (path) => source.files(path),
    readText: (path) => {
      reads.push(path);
      return source.readText(path);
    },
    close: () => source.close(),
  };
}

async function load(repo: GitRepo, commit: string, cache?: AnalysisCache, reads: string[] = []) {
  const source = await GitCommitSource.open({ repository: repo.dir, revision: commit, ...(cache ? { cache } : {}) });
  try {
    return await loadFleet(counting(source, reads), { ...OPTIONS, ...(cache ? { cache } : {}) });
  } finally {
    await source.close();
  }
}

/** What a load decides, as data: the fleet, its findings, and its plan against `state`. */
function outcome(loaded: Awaited<ReturnType<typeof load>>, state: FleetState) {
  const plan = planFleet(loaded.fleet, state);
  return JSON.parse(
    JSON.stringify({
      fleet: loaded.fleet,
      errors: loaded.errors,
      warnings: loaded.warnings,
      suppressed: loaded.suppressedLints,
      plan,
    }),
  ) as { plan: { state: FleetState } } & Record<string, unknown>;
}

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDITS: Array<{ what: string; apply: (files: Map<string, string>, n: number) => void }> = [
  {
    what: "a compose file's image tag",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith("compose.yaml"), n);
      if (file) files.set(file, (files.get(file) ?? "").replace(/image: (\S+?)(:[\w.-]+)?\n/, `image: $1:v${n}\n`));
    },
  },
  {
    what: "a service environment variable",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith("compose.yaml"), n);
      if (file) files.set(file, `${files.get(file)}    environment:\n      EDIT: "${n}"\n`);
    },
  },
  {
    what: "a YAML syntax error, then its fix",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith("compose.yaml"), n);
      const text = files.get(file ?? "") ?? "";
      if (file) files.set(file, text.startsWith("services: [") ? text.slice(11) : `services: [${text}`);
    },
  },
  {
    what: "an unknown compose key (schema)",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith("compose.yaml"), n);
      if (file) files.set(file, `${files.get(file)}    restart_policy_typo_${n % 3}: always\n`);
    },
  },
  {
    what: "a bind-mounted file's content",
    apply: (files, n) => {
      for (const path of files.keys())
        if (path.endsWith("hosts.yml")) files.set(path, `${files.get(path)}host${n}: 10.0.0.${n % 250}\n`);
    },
  },
  {
    what: "a stack's environment in TOML",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith(".toml") && (files.get(p) ?? "").includes("[[stack]]"), n);
      if (file)
        files.set(
          file,
          (files.get(file) ?? "").replace("[stack.config]\n", `[stack.config]\nenvironment = "E${n}=1"\n`),
        );
    },
  },
  {
    what: "a TOML syntax error, then its fix",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith(".toml"), n);
      const text = files.get(file ?? "") ?? "";
      if (file) files.set(file, text.startsWith("[[[") ? text.slice(3) : `[[[${text}`);
    },
  },
  {
    what: "an unknown TOML field",
    apply: (files, n) => {
      const file = pick(files, (p) => p.endsWith(".toml") && (files.get(p) ?? "").includes("[[stack]]"), n);
      if (file)
        files.set(file, (files.get(file) ?? "").replace("[stack.config]\n", `[stack.config]\nsever_${n} = 1\n`));
    },
  },
  {
    what: "a new stack",
    apply: (files, n) => {
      files.set(`stacks/added/s${n}/compose.yaml`, `services:\n  s${n}:\n    image: nginx:1.${n % 30}\n`);
      files.set(
        `syncs/added-${n}.toml`,
        `[[stack]]\nname = "added-${n}"\n[stack.config]\nserver = "apollo"\nlinked_repo = "Github-homelab"\nrun_directory = "stacks/added/s${n}"\n`,
      );
    },
  },
  {
    what: "a stack removed",
    apply: (files, n) => {
      const file = pick(files, (p) => p.startsWith("syncs/added-"), n);
      if (file) files.delete(file);
    },
  },
  {
    what: "a compose file removed or restored",
    apply: (files, n) => {
      const file = pick(files, (p) => p.startsWith("stacks/added/"), n);
      if (file) files.delete(file);
    },
  },
  {
    what: "the lints",
    apply: (files, n) => {
      files.set("tugboat.toml", n % 2 === 0 ? "[lint]\nall = true\n" : "");
    },
  },
];

function pick(files: Map<string, string>, match: (path: string) => boolean, n: number): string | undefined {
  const paths = [...files.keys()].filter(match).sort();
  return paths[n % Math.max(paths.length, 1)];
}

async function writeAll(repo: GitRepo, files: Map<string, string>, before: Map<string, string>) {
  for (const path of before.keys()) if (!files.has(path)) await repo.remove(path);
  for (const [path, text] of files) if (before.get(path) !== text) await repo.write(path, text);
}

describe("the analysis cache (issue 19)", () => {
  let repo: GitRepo;
  beforeAll(async () => {
    repo = await gitRepo();
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it.each([
    ["linked_repo", linkedShape, 1],
    ["repo = self", selfShape, 2],
  ])("loads every commit as a load without it does, across random edits (%s)", async (_shape, shape, seed) => {
    const next = random(seed);
    let files = new Map(Object.entries(shape()));
    await writeAll(repo, files, new Map());
    let commit = await repo.commit("start");
    const cache = new AnalysisCache();
    const bounded = new AnalysisCache(24 * 1024);
    let state = EMPTY_STATE;
    for (let n = 0; n < 150; n += 1) {
      const without = outcome(await load(repo, commit), state);
      expect(outcome(await load(repo, commit, cache), state)).toEqual(without);
      expect(outcome(await load(repo, commit, bounded), state)).toEqual(without);
      state = without.plan.state;
      const before = new Map(files);
      files = new Map(files);
      const edit = EDITS[Math.floor(next() * EDITS.length)] ?? EDITS[0];
      edit?.apply(files, Math.floor(next() * 1000));
      await writeAll(repo, files, before);
      commit = await repo.commit(`edit ${n}: ${edit?.what}`);
    }
    expect(cache.stats().hits).toBeGreaterThan(cache.stats().misses);
    // The bound held, and was reached: the bounded cache dropped analyses and still agreed.
    expect(bounded.stats().bytes).toBeLessThanOrEqual(24 * 1024);
    expect(bounded.stats().evictions).toBeGreaterThan(0);
  });

  it("reads again only the file a push changed", async () => {
    const files = new Map(Object.entries(linkedShape()));
    const fresh = await gitRepo();
    try {
      await writeAll(fresh, files, new Map());
      const first = await fresh.commit("start");
      const cache = new AnalysisCache();
      const firstReads: string[] = [];
      await load(fresh, first, cache, firstReads);
      expect(firstReads).toContain("stacks/monitoring/beszel-agent/compose.yaml");

      const changed = "stacks/monitoring/beszel-agent/compose.yaml";
      await fresh.write(changed, (files.get(changed) ?? "").replace("beszel-agent:latest", "beszel-agent:0.12"));
      const second = await fresh.commit("one compose file");
      const reads: string[] = [];
      const loaded = await load(fresh, second, cache, reads);
      expect(reads).toEqual([changed]);
      expect(loaded.fleet.stacks.find((s) => s.name === "beszel-agent")?.images[0]?.image).toBe(
        "henrygd/beszel-agent:0.12",
      );

      const toml = "syncs/stacks.toml";
      await fresh.write(toml, `${files.get(toml)}\n# a comment\n`);
      const third = await fresh.commit("one resource file");
      const tomlReads: string[] = [];
      await load(fresh, third, cache, tomlReads);
      expect(tomlReads).toEqual([toml]);
    } finally {
      await fresh.cleanup();
    }
  });

  it("reads again only the trees on the paths a push changed, and lists the commit as without it", async () => {
    const files = new Map(Object.entries(linkedShape()));
    const fresh = await gitRepo();
    try {
      await writeAll(fresh, files, new Map());
      const first = await fresh.commit("start");
      const cache = new AnalysisCache();
      const listing = async (commit: string, withCache?: AnalysisCache) => {
        const source = await GitCommitSource.open({
          repository: fresh.dir,
          revision: commit,
          ...(withCache ? { cache: withCache } : {}),
        });
        try {
          return { files: await source.files(""), stacks: await source.list("stacks"), commit: source.commit };
        } finally {
          await source.close();
        }
      };
      const firstListing = await listing(first, cache);
      expect(firstListing).toEqual(await listing(first));
      const treesRead = cache.stats().misses;
      expect(treesRead).toBeGreaterThan(4);

      const changed = "stacks/monitoring/beszel-agent/compose.yaml";
      await fresh.write(changed, `${files.get(changed)}\n# changed\n`);
      const second = await fresh.commit("one compose file");
      const secondListing = await listing(second, cache);
      // The root, stacks, stacks/monitoring and stacks/monitoring/beszel-agent: nothing else.
      expect(cache.stats().misses - treesRead).toBe(4);
      expect(secondListing).toEqual(await listing(second));
      expect(secondListing.files.get(changed)).not.toBe(firstListing.files.get(changed));
      expect(secondListing.commit).toBe(second);
    } finally {
      await fresh.cleanup();
    }
  });

  it("keeps an analysis frozen, so no load can change what the next one reads", async () => {
    const files = new Map(Object.entries(linkedShape()));
    await writeAll(repo, files, new Map());
    const commit = await repo.commit("frozen");
    const cache = new AnalysisCache();
    const loaded = await load(repo, commit, cache);
    const repoConfig = loaded.fleet.repos[0]?.config as { branch: string };
    expect(() => {
      repoConfig.branch = "changed";
    }).toThrow(TypeError);
  });
});
