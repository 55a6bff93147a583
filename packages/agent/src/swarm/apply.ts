// What core asks a host to have, created when missing and never removed:
// declared networks (on any host; swarm-scoped ones on a manager), and a
// swarm's node labels (on a manager). A network that exists with other
// settings is reported, not recreated: containers may be using it.
import type { NetworkOutcome, NetworkSpec, NodeLabelsResult } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";
import { DECLARED_LABEL, readNodes } from "./swarm-read.js";

/** On a node: the keys of the labels Tugboat set, so a label dropped from Git is removed and no other. */
const MANAGED_LABEL = "tugboat.labels";

type Spec = Required<NetworkSpec>;

interface RawNetwork {
  Driver: string;
  Scope: string;
  Attachable?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string };
  Options?: Record<string, string>;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string; IPRange?: string }> };
}

function differences(spec: Spec, found: RawNetwork): string[] {
  const config = found.IPAM?.Config?.[0] ?? {};
  const out: string[] = [];
  const compare = (what: string, want: unknown, have: unknown) => {
    if (want !== have) out.push(`${what} is ${JSON.stringify(have ?? "")}, Git says ${JSON.stringify(want)}`);
  };
  if (!spec.configFrom) compare("driver", spec.driver, found.Driver);
  if (spec.subnet) compare("subnet", spec.subnet, config.Subnet);
  if (spec.gateway) compare("gateway", spec.gateway, config.Gateway);
  if (spec.ipRange) compare("ip_range", spec.ipRange, config.IPRange);
  if (spec.parent) compare("parent", spec.parent, found.Options?.parent);
  if (spec.driver === "overlay") compare("attachable", spec.attachable, found.Attachable === true);
  if (spec.configFrom) compare("config_from", spec.configFrom, found.ConfigFrom?.Network);
  return out;
}

function createBody(spec: Spec) {
  const ipam = spec.subnet
    ? {
        Config: [
          {
            Subnet: spec.subnet,
            ...(spec.gateway ? { Gateway: spec.gateway } : {}),
            ...(spec.ipRange ? { IPRange: spec.ipRange } : {}),
          },
        ],
      }
    : undefined;
  const options = {
    ...(spec.parent ? { parent: spec.parent } : {}),
    ...(spec.encrypted ? { encrypted: "" } : {}),
  };
  return {
    Name: spec.name,
    CheckDuplicate: true,
    Driver: spec.driver,
    ...(spec.scope ? { Scope: spec.scope } : {}),
    ...(spec.configOnly ? { ConfigOnly: true } : {}),
    ...(spec.attachable ? { Attachable: true } : {}),
    // A network made from a configuration takes nothing else of its own, labels included (Docker
    // refuses them): its configurations carry the label.
    ...(spec.configFrom
      ? { ConfigFrom: { Network: spec.configFrom } }
      : {
          ...(ipam ? { IPAM: ipam } : {}),
          ...(Object.keys(options).length > 0 ? { Options: options } : {}),
          Labels: { [DECLARED_LABEL]: "true" },
        }),
  };
}

export async function applyNetworks(engine: DockerEngine, specs: readonly Spec[]): Promise<NetworkOutcome[]> {
  const outcomes: NetworkOutcome[] = [];
  // In order: a macvlan's configuration before the network made from it.
  for (const spec of specs) {
    const found = await engine
      .json<RawNetwork>("GET", `/networks/${encodeURIComponent(spec.name)}`)
      .catch((error: unknown) => {
        if (error instanceof TugError && error.code === "E_NOT_FOUND") return undefined;
        throw error;
      });
    if (found) {
      const differ = differences(spec, found);
      outcomes.push(
        differ.length === 0
          ? { name: spec.name, outcome: "exists", detail: "" }
          : {
              name: spec.name,
              outcome: "differs",
              detail: `left as it is (containers may use it): ${differ.join("; ")}`,
            },
      );
      continue;
    }
    try {
      await engine.json("POST", "/networks/create", createBody(spec));
      outcomes.push({ name: spec.name, outcome: "created", detail: "" });
    } catch (error) {
      if (!(error instanceof TugError)) throw error;
      outcomes.push({ name: spec.name, outcome: "failed", detail: error.message });
    }
  }
  return outcomes;
}

interface RawNodeSpec {
  ID: string;
  Version: { Index: number };
  Spec: { Labels?: Record<string, string> } & Record<string, unknown>;
}

/** Sets each node's declared labels, removes those Tugboat set that Git dropped, and reports the rest. */
export async function applyNodeLabels(
  engine: DockerEngine,
  declared: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Promise<NodeLabelsResult> {
  const nodes = await readNodes(engine);
  const result: NodeLabelsResult = { nodes: [], unknownNodes: [] };
  const wanted = new Set(Object.keys(declared));
  result.unknownNodes = [...wanted].filter((host) => !nodes.some((n) => n.hostname === host)).sort();
  for (const node of nodes) {
    const labels = declared[node.hostname] ?? {};
    const managed = (node.labels[MANAGED_LABEL] ?? "").split(",").filter(Boolean);
    const next: Record<string, string> = { ...node.labels };
    const set = Object.entries(labels).filter(([k, v]) => node.labels[k] !== v);
    for (const [k, v] of set) next[k] = v;
    const removed = managed.filter((k) => !(k in labels) && k in next);
    for (const k of removed) delete next[k];
    const keys = Object.keys(labels).sort();
    if (keys.length > 0) next[MANAGED_LABEL] = keys.join(",");
    else delete next[MANAGED_LABEL];
    const extra = Object.keys(next)
      .filter((k) => k !== MANAGED_LABEL && !(k in labels))
      .sort();
    if (set.length > 0 || removed.length > 0 || next[MANAGED_LABEL] !== node.labels[MANAGED_LABEL]) {
      const raw = await engine.json<RawNodeSpec>("GET", `/nodes/${encodeURIComponent(node.id)}`);
      await engine.json("POST", `/nodes/${encodeURIComponent(node.id)}/update?version=${raw.Version.Index}`, {
        ...raw.Spec,
        Labels: next,
      });
    }
    if (wanted.has(node.hostname) || removed.length > 0 || extra.length > 0)
      result.nodes.push({ node: node.hostname, set: set.map(([k, v]) => `${k}=${v}`), removed, extra });
  }
  return result;
}
