// The swarm as the manager's Engine API describes it, in the agent protocol's
// terms: nodes, a stack's (or every) service with its task counts, tasks with
// their errors, and networks.
import type {
  SwarmNetworkInfo,
  SwarmNodeInfo,
  SwarmServiceStatus,
  SwarmState,
  SwarmTaskStatus,
} from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";

export const STACK_LABEL = "com.docker.stack.namespace";
/** On networks Tugboat created from a declaration in Git. */
export const DECLARED_LABEL = "tugboat.declared";

interface RawNode {
  ID: string;
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Status?: { State?: string; Message?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean };
}

interface RawService {
  ID: string;
  Spec: {
    Name: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: object; GlobalJob?: object };
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number };
  UpdateStatus?: { State?: string; Message?: string };
}

interface RawTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  Spec?: unknown;
  DesiredState?: string;
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    Timestamp?: string;
    ContainerStatus?: { ContainerID?: string };
  };
}

interface RawNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Attachable?: boolean;
  Labels?: Record<string, string>;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
}

const filters = (value: Record<string, string[]>) => encodeURIComponent(JSON.stringify(value));

/** JSON with object keys sorted: the same spec reads the same, whatever order Docker wrote it in. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

interface TaskSpec {
  ContainerSpec?: Record<string, unknown>;
  Placement?: { Constraints?: string[]; MaxReplicas?: number };
  Networks?: Array<{ Target?: string }>;
  ForceUpdate?: number;
}

const CONTAINER_FIELDS = [
  "Image",
  "Command",
  "Args",
  "Env",
  "Dir",
  "User",
  "Labels",
  "Mounts",
  "Configs",
  "Secrets",
  "Healthcheck",
  "Hostname",
];

/**
 * What makes a task the service's current version: the fields an update
 * changes. (A task's copy of the spec drops some defaults the service's
 * keeps, such as StopGracePeriod and RestartPolicy, so the whole specs differ.)
 */
function specKey(spec: TaskSpec | undefined): string {
  const container = spec?.ContainerSpec ?? {};
  return stable({
    container: Object.fromEntries(CONTAINER_FIELDS.map((field) => [field, container[field] ?? null])),
    constraints: [...(spec?.Placement?.Constraints ?? [])].sort(),
    maxReplicas: spec?.Placement?.MaxReplicas ?? 0,
    networks: (spec?.Networks ?? []).map((n) => n.Target ?? "").sort(),
    force: spec?.ForceUpdate ?? 0,
  });
}

function mode(service: RawService): SwarmServiceStatus["mode"] {
  const m = service.Spec.Mode ?? {};
  if (m.Global) return "global";
  if (m.ReplicatedJob) return "replicated-job";
  if (m.GlobalJob) return "global-job";
  return "replicated";
}

export async function readNodes(engine: DockerEngine): Promise<SwarmNodeInfo[]> {
  const nodes = await engine.json<RawNode[]>("GET", "/nodes");
  return nodes
    .map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? "",
      role: n.Spec?.Role === "manager" ? ("manager" as const) : ("worker" as const),
      availability: n.Spec?.Availability ?? "",
      status: n.Status?.State ?? "unknown",
      message: n.Status?.Message ?? "",
      address: n.Status?.Addr ?? "",
      labels: n.Spec?.Labels ?? {},
      engineVersion: n.Description?.Engine?.EngineVersion ?? "",
      leader: n.ManagerStatus?.Leader === true,
    }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname));
}

/** Services and their tasks: a stack's (by its namespace), or every service's. */
export async function readServices(
  engine: DockerEngine,
  stack?: string,
  nodes?: readonly SwarmNodeInfo[],
): Promise<{ services: SwarmServiceStatus[]; tasks: SwarmTaskStatus[] }> {
  const byLabel = stack ? `&filters=${filters({ label: [`${STACK_LABEL}=${stack}`] })}` : "";
  const raw = await engine.json<RawService[]>("GET", `/services?status=true${byLabel}`);
  if (raw.length === 0) return { services: [], tasks: [] };
  const rawTasks = await engine.json<RawTask[]>("GET", `/tasks?filters=${filters({ service: raw.map((s) => s.ID) })}`);
  const hostnames = new Map((nodes ?? (await readNodes(engine))).map((n) => [n.id, n.hostname]));
  const templates = new Map(raw.map((s) => [s.ID, specKey((s.Spec as { TaskTemplate?: TaskSpec }).TaskTemplate)]));
  const shortName = (s: RawService) => {
    const ns = s.Spec.Labels?.[STACK_LABEL] ?? "";
    return ns && s.Spec.Name.startsWith(`${ns}_`) ? s.Spec.Name.slice(ns.length + 1) : s.Spec.Name;
  };
  const nameOf = new Map(raw.map((s) => [s.ID, shortName(s)]));
  const tasks: SwarmTaskStatus[] = rawTasks
    .map((t) => ({
      id: t.ID,
      serviceId: t.ServiceID,
      service: nameOf.get(t.ServiceID) ?? "",
      slot: t.Slot ?? 0,
      nodeId: t.NodeID ?? "",
      node: hostnames.get(t.NodeID ?? "") ?? "",
      state: t.Status?.State ?? "",
      desiredState: t.DesiredState ?? "",
      current: specKey(t.Spec as TaskSpec | undefined) === templates.get(t.ServiceID),
      error: t.Status?.Err ?? "",
      message: t.Status?.Message ?? "",
      at: t.Status?.Timestamp ?? "",
      containerId: t.Status?.ContainerStatus?.ContainerID ?? "",
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.slot - b.slot || b.at.localeCompare(a.at));
  const services = raw
    .map((s): SwarmServiceStatus => {
      const own = tasks.filter((t) => t.serviceId === s.ID);
      const m = mode(s);
      return {
        id: s.ID,
        name: s.Spec.Name,
        stack: s.Spec.Labels?.[STACK_LABEL] ?? "",
        service: shortName(s),
        mode: m,
        image: (s.Spec.TaskTemplate?.ContainerSpec?.Image ?? "").replace(/@sha256:[0-9a-f]{64}$/, ""),
        desired: s.ServiceStatus?.DesiredTasks ?? (m === "replicated" ? (s.Spec.Mode?.Replicated?.Replicas ?? 1) : 0),
        running: own.filter((t) => t.current && t.state === "running" && t.desiredState === "running").length,
        completed: s.ServiceStatus?.CompletedTasks ?? own.filter((t) => t.state === "complete").length,
        updateState: s.UpdateStatus?.State ?? "",
        updateMessage: s.UpdateStatus?.Message ?? "",
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { services, tasks };
}

export async function readNetworks(engine: DockerEngine): Promise<SwarmNetworkInfo[]> {
  const networks = await engine.json<RawNetwork[]>("GET", "/networks");
  return networks
    .map((n) => ({
      id: n.Id,
      name: n.Name,
      driver: n.Driver,
      scope: n.Scope,
      subnet: n.IPAM?.Config?.[0]?.Subnet ?? "",
      gateway: n.IPAM?.Config?.[0]?.Gateway ?? "",
      attachable: n.Attachable === true,
      declared: n.Labels?.[DECLARED_LABEL] === "true",
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function readSwarm(engine: DockerEngine): Promise<SwarmState> {
  const info = await engine.json<{ Swarm?: { Cluster?: { ID?: string }; ControlAvailable?: boolean } }>("GET", "/info");
  if (!info.Swarm?.ControlAvailable)
    throw new TugError(
      "E_NOT_SWARM_MANAGER",
      "this host's Docker is not a swarm manager; list a manager's server in the swarm's servers",
    );
  const nodes = await readNodes(engine);
  const { services, tasks } = await readServices(engine, undefined, nodes);
  return { swarmId: info.Swarm?.Cluster?.ID ?? "", nodes, services, tasks, networks: await readNetworks(engine) };
}
