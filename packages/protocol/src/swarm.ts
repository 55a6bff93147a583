// The agent's Swarm API, answered by an agent on a manager node: the swarm as
// it is (nodes, services, tasks, networks), and what core asks it to apply
// (node labels and networks declared in Git).
import { z } from "zod";

export const SwarmNodeInfo = z.object({
  id: z.string(),
  hostname: z.string(),
  role: z.enum(["manager", "worker"]),
  /** `active`, `pause` or `drain`. */
  availability: z.string(),
  /** `ready`, `down`, `disconnected` or `unknown`. */
  status: z.string(),
  /** Why the node is in that state, when Docker says. */
  message: z.string(),
  address: z.string(),
  labels: z.record(z.string(), z.string()),
  engineVersion: z.string(),
  leader: z.boolean(),
});
export type SwarmNodeInfo = z.infer<typeof SwarmNodeInfo>;

export const SwarmServiceStatus = z.object({
  id: z.string(),
  /** The full name, `<stack>_<service>`. */
  name: z.string(),
  /** The stack (`com.docker.stack.namespace`) and its service name in the compose file. */
  stack: z.string(),
  service: z.string(),
  mode: z.enum(["replicated", "global", "replicated-job", "global-job"]),
  image: z.string(),
  /** Tasks the service should run (replicas, or one per eligible node). */
  desired: z.number(),
  /** Tasks running the service's current spec. */
  running: z.number(),
  /** Jobs: tasks that completed. */
  completed: z.number(),
  /** Docker's UpdateStatus.State ("" when never updated): updating, completed, paused, rollback_*. */
  updateState: z.string(),
  updateMessage: z.string(),
});
export type SwarmServiceStatus = z.infer<typeof SwarmServiceStatus>;

export const SwarmTaskStatus = z.object({
  id: z.string(),
  serviceId: z.string(),
  /** The service's name in its stack. */
  service: z.string(),
  slot: z.number(),
  nodeId: z.string(),
  node: z.string(),
  state: z.string(),
  desiredState: z.string(),
  /** The task runs the service's current spec (not one an update is replacing). */
  current: z.boolean(),
  error: z.string(),
  message: z.string(),
  at: z.string(),
  containerId: z.string(),
});
export type SwarmTaskStatus = z.infer<typeof SwarmTaskStatus>;

export const SwarmNetworkInfo = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.string(),
  scope: z.string(),
  subnet: z.string(),
  gateway: z.string(),
  attachable: z.boolean(),
  /** Created by Tugboat from a declaration in Git. */
  declared: z.boolean(),
});
export type SwarmNetworkInfo = z.infer<typeof SwarmNetworkInfo>;

export const SwarmState = z.object({
  swarmId: z.string(),
  nodes: z.array(SwarmNodeInfo),
  services: z.array(SwarmServiceStatus),
  tasks: z.array(SwarmTaskStatus),
  networks: z.array(SwarmNetworkInfo),
});
export type SwarmState = z.infer<typeof SwarmState>;

/**
 * A declared network, as core asks an agent to create it. Core expands a
 * swarm macvlan into a `configOnly` network on each of its nodes (through that
 * node's agent) and one swarm-scoped network `configFrom` them on a manager.
 */
export const NetworkSpec = z.object({
  name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/),
  driver: z.enum(["overlay", "macvlan", "bridge", "null"]),
  subnet: z.string().default(""),
  gateway: z.string().default(""),
  ipRange: z.string().default(""),
  attachable: z.boolean().default(false),
  encrypted: z.boolean().default(false),
  /** Macvlan's parent interface. */
  parent: z.string().default(""),
  /** `swarm` for a swarm-wide network created from per-node configurations. */
  scope: z.enum(["", "local", "swarm"]).default(""),
  configOnly: z.boolean().default(false),
  configFrom: z.string().default(""),
});
export type NetworkSpec = z.input<typeof NetworkSpec>;

export const NetworkOutcome = z.object({
  name: z.string(),
  /** created; exists (as declared); differs (exists with other settings: left alone); failed. */
  outcome: z.enum(["created", "exists", "differs", "failed"]),
  detail: z.string(),
});
export type NetworkOutcome = z.infer<typeof NetworkOutcome>;

/** `POST /swarm/labels`: node hostname → the labels Git declares for it. */
export const NodeLabelsRequest = z.object({
  nodeLabels: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});
export type NodeLabelsRequest = z.input<typeof NodeLabelsRequest>;

export const NodeLabelsResult = z.object({
  nodes: z.array(
    z.object({
      node: z.string(),
      /** Labels set (added or changed) now. */
      set: z.array(z.string()),
      /** Labels Tugboat set before that Git no longer declares: removed now. */
      removed: z.array(z.string()),
      /** Labels on the node Tugboat never set: reported, never removed. */
      extra: z.array(z.string()),
    }),
  ),
  /** Hostnames Git labels that are no node of this swarm. */
  unknownNodes: z.array(z.string()),
});
export type NodeLabelsResult = z.infer<typeof NodeLabelsResult>;

/** `POST /networks/apply`: create the networks missing on this host (or swarm, on a manager). */
export const NetworksApplyRequest = z.object({ networks: z.array(NetworkSpec).max(100).default([]) });
export type NetworksApplyRequest = z.input<typeof NetworksApplyRequest>;
export const NetworksApplyResult = z.object({ networks: z.array(NetworkOutcome) });
export type NetworksApplyResult = z.infer<typeof NetworksApplyResult>;
