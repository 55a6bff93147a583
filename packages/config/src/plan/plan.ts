// The plan: which resources a commit creates, updates or deletes, and which
// stacks deploy, in which wave, and why.
import { createHash } from "node:crypto";
import type { Fleet, FleetStack } from "../fleet/model.js";
import { canonicalJson, fingerprintReasons, fingerprintStack } from "./fingerprint.js";
import { EMPTY_STATE, type FleetState } from "./state.js";
import { deployWaves } from "./waves.js";

export type ResourceAction = "create" | "update" | "delete";

export interface PlannedDeploy {
  stack: string;
  server: string;
  wave: number;
  reasons: string[];
  fingerprint: string;
}

export interface Plan {
  commit?: string;
  resources: Array<{ kind: string; name: string; action: ResourceAction }>;
  /** Resources no longer declared but kept, because the sync neither deletes nor is managed. */
  kept: Array<{ kind: string; name: string }>;
  deploys: PlannedDeploy[];
  /** Changed stacks with `auto_update = false`: they wait for a manual deploy. */
  pending: Array<Omit<PlannedDeploy, "wave">>;
  /** Changed stacks that will not deploy, with why (server disabled, stopped on purpose). */
  skipped: Array<{ stack: string; server: string; reason: string }>;
  /** The state once this plan is applied. */
  state: FleetState;
}

export interface PlanOptions {
  /** Delete resources that are gone; default: the repository's own sync says `delete` or `managed`. */
  deleteMissing?: boolean;
  /** Stacks stopped on purpose: automatic deploys leave them alone. */
  stopped?: ReadonlySet<string>;
  /** Servers declared by other syncs, name → enabled. */
  knownServers?: ReadonlyMap<string, boolean>;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function resourceHashes(fleet: Fleet, fingerprints: Map<string, string>): Map<string, string> {
  const hashes = new Map<string, string>();
  const put = (kind: string, name: string, value: unknown) =>
    hashes.set(`${kind}/${name}`, sha256(canonicalJson(value)));
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

  const fingerprints = new Map(fleet.stacks.map((stack) => [stack.name, fingerprintStack(stack)]));
  const hashes = resourceHashes(fleet, new Map([...fingerprints].map(([n, f]) => [n, f.fingerprint])));

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
  for (const stack of fleet.stacks) {
    const { fingerprint, parts } = fingerprints.get(stack.name) ?? fingerprintStack(stack);
    const previous = current.stacks[stack.name];
    if (previous?.fingerprint === fingerprint) continue;
    changed.set(stack, fingerprintReasons(previous?.parts, parts));
  }

  const deploying = new Set<string>();
  const pending: Plan["pending"] = [];
  const skipped: Plan["skipped"] = [];
  for (const [stack, reasons] of changed) {
    const fingerprint = fingerprints.get(stack.name)?.fingerprint ?? "";
    if (serverEnabled.get(stack.server) !== true) {
      skipped.push({ stack: stack.name, server: stack.server, reason: `server "${stack.server}" is not enabled` });
    } else if (stopped.has(stack.name)) {
      skipped.push({ stack: stack.name, server: stack.server, reason: "stopped through Tugboat; start it to deploy" });
    } else if (stack.config.auto_update || stack.deploy) {
      deploying.add(stack.name);
    } else {
      pending.push({ stack: stack.name, server: stack.server, reasons, fingerprint });
    }
  }
  const waves = deployWaves(fleet.stacks, deploying);
  const deploys: PlannedDeploy[] = fleet.stacks
    .filter((stack) => deploying.has(stack.name))
    .map((stack) => ({
      stack: stack.name,
      server: stack.server,
      wave: waves.get(stack.name) ?? 1,
      reasons: changed.get(stack) ?? [],
      fingerprint: fingerprints.get(stack.name)?.fingerprint ?? "",
    }))
    .sort((a, b) => a.wave - b.wave || a.stack.localeCompare(b.stack));

  const state: FleetState = {
    version: 1,
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
  };
  return {
    ...(fleet.commit ? { commit: fleet.commit } : {}),
    resources: resources.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)),
    kept,
    deploys,
    pending,
    skipped,
    state,
  };
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}
