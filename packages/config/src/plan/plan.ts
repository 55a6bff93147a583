// The plan: which resources a commit creates, updates or deletes, and which
// stacks deploy, in which wave, and why.
import type { Fleet, FleetStack } from "../fleet/model.js";
import { repositoryKey } from "../fleet/other-repos.js";
import {
  canonicalJson,
  fingerprintReasons,
  fingerprintStack,
  OFFLINE_DIGEST,
  type StackFingerprint,
  servicesToBuild,
  servicesToRecreate,
  type ValueDigest,
} from "./fingerprint.js";
import { EMPTY_STATE, type FleetState, STATE_VERSION } from "./state.js";
import { deployWaves } from "./waves.js";

export type ResourceAction = "create" | "update" | "delete";

export interface PlannedDeploy {
  stack: string;
  server: string;
  wave: number;
  reasons: string[];
  fingerprint: string;
  /** Services to recreate although their configuration is unchanged: a bind-mounted file changed. */
  recreate: string[];
  /** Services to build before `up`: their build context or Dockerfile changed (with `run_build`, the agent builds all). */
  build: string[];
}

export interface Plan {
  commit?: string;
  resources: Array<{ kind: string; name: string; action: ResourceAction }>;
  /** Resources no longer declared but kept, because the sync neither deletes nor is managed. */
  kept: Array<{ kind: string; name: string }>;
  deploys: PlannedDeploy[];
  /** Changed stacks with `deploy_on_push = false`: they wait for a manual deploy. */
  pending: Array<Omit<PlannedDeploy, "wave" | "recreate" | "build">>;
  /** Changed stacks that will not deploy, with why (server disabled, stopped on purpose, repository unreadable). */
  skipped: Array<{ stack: string; server: string; reason: string }>;
  /** The state once this plan is applied. */
  state: FleetState;
  /** Every stack's fingerprint at this commit, computed once: core deploys exactly these. */
  fingerprints: Record<string, StackFingerprint>;
}

export interface PlanOptions {
  /** Delete resources that are gone; default: the repository's own sync says `delete` or `managed`. */
  deleteMissing?: boolean;
  /** Stacks stopped on purpose: automatic deploys leave them alone. */
  stopped?: ReadonlySet<string>;
  /** Servers declared by other syncs, name → enabled. */
  knownServers?: ReadonlyMap<string, boolean>;
  /** How values become digests (core: an HMAC with its key); default: offline. */
  digest?: ValueDigest;
}

/** Per resource, a digest of its configuration (which may hold secrets: a server's passkey). */
function resourceHashes(fleet: Fleet, fingerprints: Map<string, string>, digest: ValueDigest): Map<string, string> {
  const hashes = new Map<string, string>();
  const put = (kind: string, name: string, value: unknown) =>
    hashes.set(`${kind}/${name}`, digest(`resource\u0000${kind}/${name}\u0000${canonicalJson(value)}`));
  for (const s of fleet.servers) put("server", s.name, [s.description, s.tags, s.config]);
  for (const s of fleet.stacks) {
    const { environment: _env, ...config } = s.config;
    put("stack", s.name, [s.description, s.tags, s.after, s.deploy, config, fingerprints.get(s.name)]);
  }
  for (const s of fleet.syncs) put("resource_sync", s.name, [s.description, s.tags, s.config]);
  for (const v of fleet.variables) put("variable", v.name, [v.description, v.secret, v.value]);
  for (const a of fleet.alerters) put("alerter", a.name, [a.description, a.tags, a.config]);
  for (const g of fleet.userGroups) put("user_group", g.name, g.config);
  for (const r of fleet.repos) put("repo", r.name, [r.description, r.tags, r.config]);
  return hashes;
}

export function planFleet(fleet: Fleet, current: FleetState = EMPTY_STATE, options: PlanOptions = {}): Plan {
  const self = fleet.syncs.find((sync) => sync.self);
  const deleteMissing = options.deleteMissing ?? (self ? self.config.delete || self.config.managed : false);
  const stopped = options.stopped ?? new Set<string>();
  const serverEnabled = new Map([
    ...(options.knownServers ?? []),
    ...fleet.servers.map((s): [string, boolean] => [s.name, s.config.enabled]),
  ]);

  const digest = options.digest ?? OFFLINE_DIGEST;
  const fieldDigest = memoized(digest);
  const fingerprints = new Map(fleet.stacks.map((stack) => [stack.name, fingerprintStack(stack, fieldDigest)]));
  const hashes = resourceHashes(fleet, new Map([...fingerprints].map(([n, f]) => [n, f.fingerprint])), digest);

  const resources: Plan["resources"] = [];
  const kept: Plan["kept"] = [];
  for (const [key, hash] of hashes) {
    const [kind = "", name = ""] = splitKey(key);
    const before = current.resources[key];
    if (before === undefined) resources.push({ kind, name, action: "create" });
    else if (before !== hash) resources.push({ kind, name, action: "update" });
  }
  for (const key of Object.keys(current.resources)) {
    if (hashes.has(key)) continue;
    const [kind = "", name = ""] = splitKey(key);
    if (deleteMissing) resources.push({ kind, name, action: "delete" });
    else kept.push({ kind, name });
  }

  const changed = new Map<FleetStack, string[]>();
  const skipped: Plan["skipped"] = [];
  for (const stack of fleet.stacks) {
    // Its files could not be read at any commit: it keeps what it runs.
    if (stack.source.kind === "repo" && stack.source.unreadable !== undefined) {
      skipped.push({ stack: stack.name, server: stack.server, reason: stack.source.unreadable });
      continue;
    }
    const { fingerprint, parts } = fingerprints.get(stack.name) ?? fingerprintStack(stack, digest);
    const previous = current.stacks[stack.name];
    if (previous?.fingerprint === fingerprint) continue;
    changed.set(stack, fingerprintReasons(previous?.parts, parts));
  }

  const deploying = new Set<string>();
  const pending: Plan["pending"] = [];
  for (const [stack, reasons] of changed) {
    const fingerprint = fingerprints.get(stack.name)?.fingerprint ?? "";
    if (serverEnabled.get(stack.server) !== true) {
      skipped.push({ stack: stack.name, server: stack.server, reason: `server "${stack.server}" is not enabled` });
    } else if (stopped.has(stack.name)) {
      skipped.push({ stack: stack.name, server: stack.server, reason: "stopped through Tugboat; start it to deploy" });
    } else if (stack.config.deploy_on_push || stack.deploy) {
      deploying.add(stack.name);
    } else {
      pending.push({ stack: stack.name, server: stack.server, reasons, fingerprint });
    }
  }
  const waves = deployWaves(fleet.stacks, deploying);
  const deploys: PlannedDeploy[] = fleet.stacks
    .filter((stack) => deploying.has(stack.name))
    .map((stack) => {
      const before = current.stacks[stack.name]?.parts;
      const after = fingerprints.get(stack.name)?.parts ?? fingerprintStack(stack, digest).parts;
      return {
        stack: stack.name,
        server: stack.server,
        wave: waves.get(stack.name) ?? 1,
        reasons: changed.get(stack) ?? [],
        fingerprint: fingerprints.get(stack.name)?.fingerprint ?? "",
        recreate: servicesToRecreate(before, after, stack.fileMounts),
        build: servicesToBuild(before, after, stack.buildInputs),
      };
    })
    .sort((a, b) => a.wave - b.wave || a.stack.localeCompare(b.stack));

  const state: FleetState = {
    version: STATE_VERSION,
    ...(fleet.commit ? { commit: fleet.commit } : {}),
    resources: Object.fromEntries(
      [...hashes].concat(kept.map(({ kind, name }) => [`${kind}/${name}`, current.resources[`${kind}/${name}`] ?? ""])),
    ),
    stacks: Object.fromEntries(
      fleet.stacks.flatMap((stack) => {
        const entry = deploying.has(stack.name) ? fingerprints.get(stack.name) : current.stacks[stack.name];
        return entry ? [[stack.name, { fingerprint: entry.fingerprint, parts: entry.parts }]] : [];
      }),
    ),
    ...repositoriesRead(fleet, current),
  };
  return {
    ...(fleet.commit ? { commit: fleet.commit } : {}),
    resources: resources.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)),
    kept,
    deploys,
    pending,
    skipped,
    state,
    fingerprints: Object.fromEntries(fingerprints),
  };
}

/** The commit each other repository was read at (or, when it could not be read, was last read at). */
function repositoriesRead(fleet: Fleet, current: FleetState): Pick<FleetState, "repositories"> {
  const read: Record<string, string> = {};
  for (const { source } of fleet.stacks) {
    if (source.kind !== "repo") continue;
    const key = repositoryKey(source);
    const commit = source.commit ?? current.repositories?.[key];
    if (commit !== undefined) read[key] = commit;
  }
  return Object.keys(read).length > 0 ? { repositories: read } : {};
}

/**
 * The digest, computing each distinct text once per plan: most stacks share
 * most of their fields' values (an empty pre_deploy, `.env`).
 */
function memoized(digest: ValueDigest): ValueDigest {
  const known = new Map<string, string>();
  return (text) => {
    let value = known.get(text);
    if (value === undefined) {
      value = digest(text);
      known.set(text, value);
    }
    return value;
  };
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
