// The agent HTTP API: request and reply schemas. Stack operations stream
// newline-delimited JSON events and end with one `result` event.
import { z } from "zod";
import { CheckSpec } from "./checks.js";
import { SwarmServiceStatus, SwarmTaskStatus } from "./swarm.js";

export const AgentHealth = z.object({
  status: z.literal("ok"),
  version: z.string(),
  /** SHA-256 fingerprint of the agent's TLS certificate (colon-separated hex), "" over plain HTTP. */
  fingerprint: z.string(),
});
export type AgentHealth = z.infer<typeof AgentHealth>;

export const AgentInfo = z.object({
  hostname: z.string(),
  /** The Docker engine's name (its host's hostname): a swarm node's hostname. "" from older agents. */
  dockerName: z.string().default(""),
  os: z.string(),
  kernel: z.string(),
  arch: z.string(),
  cpus: z.number(),
  memoryBytes: z.number(),
  dockerVersion: z.string(),
  dockerApiVersion: z.string(),
  compose: z.object({ kind: z.enum(["plugin", "standalone"]), version: z.string() }).nullable(),
  agentVersion: z.string(),
  /** The agent's clock when it answered (core's doctor compares clocks); absent from older agents. */
  time: z.string().optional(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

const Sha = z.string().regex(/^[0-9a-f]{40}$/, "a full 40-character commit SHA");

export const StackCommand = z.object({ path: z.string().default(""), command: z.string().max(65_536).default("") });

export const DeployRequest = z.object({
  repository: z.object({
    url: z.string().min(1),
    /** Used for this request only: never written to disk or logged. */
    token: z.string().optional(),
  }),
  commit: Sha,
  /** Folder the compose command runs in, relative to the repository root. */
  runDirectory: z.string().default(""),
  /** Compose files relative to the run directory. */
  composeFiles: z.array(z.string()).min(1).default(["compose.yaml"]),
  projectName: z.string(),
  /** Where the environment is written (mode 0600), relative to the run directory. */
  envFilePath: z.string().default(".env"),
  /** The env file's content, secrets included (masked in everything streamed back). */
  environment: z.string().default(""),
  /** Values to mask in every line streamed back. */
  secrets: z.array(z.string()).default([]),
  /**
   * `[[NAME]]`s core could not resolve, left as written in `environment` and
   * `extraArgs`: the agent fills them from its own `[secrets]` (as Komodo's
   * periphery does), or refuses the deploy with E_UNRESOLVED_VARIABLE.
   */
  variables: z.array(z.string().regex(/^[A-Za-z0-9_]+$/)).default([]),
  additionalEnvFiles: z.array(z.string()).default([]),
  pull: z.boolean().default(false),
  /** Deploy only these services; default all. */
  services: z.array(z.string()).default([]),
  /**
   * Services to recreate after `up` although their configuration did not change: core found a
   * file they bind-mount changed (a running container keeps the old file's inode).
   */
  recreate: z.array(z.string()).default([]),
  /** Services to build before `up`: core found their build context or Dockerfile changed. */
  build: z.array(z.string()).default([]),
  /** Build every service before `up` (Komodo's run_build). */
  buildAll: z.boolean().default(false),
  /** Services not waited for (Komodo's ignore_services). */
  ignoreServices: z.array(z.string()).default([]),
  /** Ship the stack's container logs to core (its `ship_logs`). */
  shipLogs: z.boolean().default(true),
  extraArgs: z.array(z.string()).default([]),
  destroyBeforeDeploy: z.boolean().default(false),
  /**
   * Komodo's pre_deploy / post_deploy: a shell command (lines joined with
   * `&&`, `#` comments dropped) run in `path` (relative to the run
   * directory), before `up` / after it. A failing one fails the deploy.
   */
  preDeploy: StackCommand.default({ path: "", command: "" }),
  postDeploy: StackCommand.default({ path: "", command: "" }),
  /**
   * Bring back this agent's last good deploy of the stack, which must be at
   * this commit, when this one fails after the checkout (its health gate, `up`,
   * a hook): in the same stream, so the stack ends running what ran before.
   */
  rollback: z
    .object({
      commit: Sha,
      /** Services to recreate on the way back: a file they bind-mount differs between the two commits. */
      recreate: z.array(z.string()).default([]),
    })
    .optional(),
  /** `deploy_gate = "checks"`: the deploy succeeds only once each of these checks passes (within timeoutSeconds). */
  gateChecks: z.array(CheckSpec).max(100).default([]),
  /**
   * `swarm`: deploy with `docker stack deploy` (this agent is on a manager), the
   * compose files interpolated with the stack's environment as Compose would.
   */
  mode: z.enum(["compose", "swarm"]).default("compose"),
  /** How long services may take to be running and healthy. */
  timeoutSeconds: z.number().int().positive().max(3600).default(120),
  /** Each command (checkout, pull, up, …) is killed after this long. */
  commandTimeoutSeconds: z.number().int().positive().max(7200).default(600),
});
export type DeployRequest = z.input<typeof DeployRequest>;
export type DeployRequestParsed = z.output<typeof DeployRequest>;

export const AgentLogsQuery = z.object({
  service: z.string().min(1).max(128).optional(),
  tail: z.coerce.number().int().min(0).max(100_000).optional(),
  since: z.coerce.number().int().min(0).optional(),
  follow: z.enum(["0", "1", "true", "false"]).default("0"),
});

export const StackAction = z.enum(["pull", "start", "stop", "restart", "down"]);
export type StackAction = z.infer<typeof StackAction>;

export const ActionRequest = z.object({
  services: z.array(z.string()).default([]),
  /** For `down`: also remove named volumes. */
  removeVolumes: z.boolean().default(false),
  token: z.string().optional(),
});
export type ActionRequest = z.input<typeof ActionRequest>;
export type ActionRequestParsed = z.output<typeof ActionRequest>;

export const ContainerStatus = z.object({
  service: z.string(),
  name: z.string(),
  id: z.string(),
  state: z.string(),
  health: z.enum(["healthy", "unhealthy", "starting", "none"]),
  exitCode: z.number(),
  image: z.string(),
  imageDigest: z.string(),
  created: z.string(),
  restartCount: z.number(),
  skip: z.boolean(),
  /** Compose's `com.docker.compose.config-hash` label: changes when the service is recreated with another config. */
  configHash: z.string().default(""),
  /** Consecutive failed healthchecks (Docker's FailingStreak); 0 without a healthcheck. */
  failingStreak: z.number().default(0),
  /** The local image ID (its config digest): what a failed image update is tagged back to. */
  imageId: z.string().default(""),
  /** The registry digests the image is known by, as Docker lists them (`registry/repo@sha256:…`): a manifest's or a multi-platform index's. */
  repoDigests: z.array(z.string()).default([]),
  /** The image's platform, `os/arch[/variant]` as registries name it; "" when unknown. */
  platform: z.string().default(""),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const StackStatus = z.object({
  stack: z.string(),
  project: z.string(),
  /** The deployed commit, when this agent deployed the stack. */
  commit: z.string().nullable(),
  containers: z.array(ContainerStatus),
  /** A swarm stack: its services and their tasks across the nodes (its `containers` are empty). */
  swarm: z.object({ services: z.array(SwarmServiceStatus), tasks: z.array(SwarmTaskStatus) }).optional(),
});
export type StackStatus = z.infer<typeof StackStatus>;

/** `POST /stacks/status`: several stacks' status in one request (a host's status round). */
export const StatusesRequest = z.object({
  stacks: z.array(z.object({ stack: z.string(), project: z.string() })).max(10_000),
});
export type StatusesRequest = z.input<typeof StatusesRequest>;

/** Each stack's status, or why it could not be read (the others are answered all the same). */
export const StatusesReply = z.object({
  statuses: z.array(
    z.union([
      StackStatus,
      z.object({ stack: z.string(), project: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});
export type StatusesReply = z.infer<typeof StatusesReply>;

export const ServiceFailure = z.object({
  service: z.string(),
  reason: z.string(),
  logs: z.array(z.string()),
});
export type ServiceFailure = z.infer<typeof ServiceFailure>;

/** `POST /stacks/:name/heal`: redeploy the agent's last good deploy, which must be at this commit. */
export const HealRequest = z.object({ commit: Sha });
export type HealRequest = z.input<typeof HealRequest>;

/**
 * `POST /stacks/:name/update-images`: pull the named services' images (all
 * of them when none is named) and recreate those, from the agent's last good
 * deploy, which must be at this commit. When they fail their health gate, the
 * images that ran at that deploy are pinned back and brought up again.
 */
export const ImageUpdateRequest = z.object({
  commit: Sha,
  services: z.array(z.string()).max(200).default([]),
});
export type ImageUpdateRequest = z.input<typeof ImageUpdateRequest>;
export type ImageUpdateRequestParsed = z.output<typeof ImageUpdateRequest>;

export const StreamEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("step"), step: z.string(), argv: z.array(z.string()).optional(), at: z.string() }),
  z.object({ type: z.literal("log"), step: z.string(), stream: z.enum(["stdout", "stderr"]), line: z.string() }),
  z.object({
    type: z.literal("result"),
    ok: z.boolean(),
    action: z.string(),
    stack: z.string(),
    commit: z.string().nullable(),
    durationMs: z.number(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    failures: z.array(ServiceFailure).default([]),
    /** What went wrong without failing the action (a pull that failed while the image is on the host). */
    warnings: z.array(z.string()).default([]),
    /** A failed deploy that brought back the last good one: from the commit that failed, to the one running now. */
    rolledBack: z
      .object({ from: z.string(), to: z.string(), ok: z.boolean(), failures: z.array(ServiceFailure).default([]) })
      .optional(),
    /** The stack's containers when a deploy or heal ended: what core records as deployed. */
    containers: z.array(ContainerStatus).default([]),
    steps: z.array(z.object({ step: z.string(), durationMs: z.number(), exitCode: z.number().nullable() })),
  }),
]);
export type StreamEvent = z.infer<typeof StreamEvent>;
export type StreamResult = Extract<StreamEvent, { type: "result" }>;

export const HostStats = z.object({
  at: z.string(),
  cpuPercent: z.number(),
  load: z.tuple([z.number(), z.number(), z.number()]),
  memory: z.object({ totalBytes: z.number(), usedBytes: z.number() }),
  swap: z.object({ totalBytes: z.number(), usedBytes: z.number() }),
  disks: z.array(z.object({ mount: z.string(), totalBytes: z.number(), usedBytes: z.number() })),
  network: z.object({ rxBytesPerSecond: z.number(), txBytesPerSecond: z.number() }),
  containers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      project: z.string(),
      cpuPercent: z.number(),
      memoryBytes: z.number(),
    }),
  ),
});
export type HostStats = z.infer<typeof HostStats>;

/**
 * `POST /poll`: what a status round asks of a host, in one request: the
 * agent's health, its latest stats (when asked for), and its stacks' status.
 * Needs the passkey, unlike `GET /health`.
 */
export const PollRequest = z.object({
  stats: z.boolean(),
  stacks: z
    .array(
      z.object({
        stack: z.string(),
        project: z.string(),
        /** The tag of the status core holds for the stack: the agent answers `unchanged` when it is still that. */
        seen: z.string().max(128).optional(),
      }),
    )
    .max(10_000),
});
export type PollRequest = z.input<typeof PollRequest>;

/**
 * `stats` is null when not asked for or when the host could not be read. A
 * status comes with its tag (a hash of it); one whose tag is what core said
 * it holds comes as `{ stack, project, unchanged: tag }`, as a status round
 * mostly finds nothing changed (an agent older than tags sends every status
 * whole, without one).
 */
export const PollReply = z.object({
  health: AgentHealth,
  stats: HostStats.nullable(),
  statuses: z.array(
    z.union([
      StackStatus.extend({ tag: z.string().optional() }),
      z.object({ stack: z.string(), project: z.string(), unchanged: z.string() }),
      z.object({ stack: z.string(), project: z.string(), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});
export type PollReply = z.infer<typeof PollReply>;
