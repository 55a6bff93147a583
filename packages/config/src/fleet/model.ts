// The fleet as read from a repository: what core deploys and the plan compares.
import type { Location } from "../diagnostics.js";
import type { AlerterConfig } from "../resources/alerter.js";
import type { RepoConfig } from "../resources/repo.js";
import type { ResourceSyncConfig } from "../resources/resource-sync.js";
import type { ServerConfig } from "../resources/server.js";
import type { StackConfig } from "../resources/stack.js";
import type { SwarmConfig } from "../resources/swarm.js";
import type { UserGroupResource } from "../resources/user-group.js";
import type { UptimeCheck } from "./checks.js";
import type { EnvironmentEntry } from "./environment.js";
import type { StackReconcile } from "./reconcile.js";
import type { RepoSettings } from "./settings.js";

export interface Declared {
  name: string;
  at: Location;
  description: string;
  tags: string[];
}

export interface FleetServer extends Declared {
  config: ServerConfig;
}

export interface FleetSwarm extends Declared {
  config: SwarmConfig;
}

/** Where a stack's files come from. */
export type StackSource = { kind: "sync" } | ExternalSource;

/** Another repository a stack reads its files from (by `repo`, or a [[repo]] its `linked_repo` names). */
export interface ExternalSource {
  kind: "repo";
  url: string;
  branch: string;
  /** The [[repo]] named by `linked_repo`. */
  name?: string;
  /** The commit its files were read at; unset when they were not read (offline, or `unreadable`). */
  commit?: string;
  /** Why its files could not be read (core could not fetch the repository): the stack keeps what it runs. */
  unreadable?: string;
}

/** A repository file or folder a stack's deploy reads. */
export interface StackInput {
  /** Repository-relative ("" is the root, when the whole repository is read). */
  path: string;
  /** Git blob id (file) or tree id (folder). */
  oid: string;
  /** Human terms: "compose file", "bind-mounted by service traefik", "env_file of service web". */
  via: string;
}

/** A repository file bind-mounted into a service's container. */
export interface FileMount {
  service: string;
  path: string;
}

/** A service's `image:` as written in a compose file (later files override earlier ones). */
export interface ServiceImage {
  service: string;
  image: string;
  file: string;
  line?: number;
}

export interface FleetStack extends Declared {
  /** The server it deploys on; for a swarm stack, the swarm's first manager (core tries the others in order). */
  server: string;
  /** The [[swarm]] it deploys to with `docker stack deploy`, when it is a swarm stack. */
  swarm?: string;
  projectName: string;
  /** Repository-relative, normalised ("" is the root). */
  runDirectory: string;
  /** Repository-relative paths of the compose files, in order. */
  composeFiles: string[];
  environment: EnvironmentEntry[];
  after: string[];
  deploy: boolean;
  source: StackSource;
  config: StackConfig;
  /** Self-heal, rollback and gate settings, tugboat.toml's defaults applied. */
  reconcile: StackReconcile;
  /** Uptime checks from `[[stack.config.checks]]` and the services' `tugboat.check.*` labels. */
  checks: UptimeCheck[];
  /**
   * Exactly what its deploy reads from the repository, sorted by path: compose
   * files, env files, bind-mounted files and folders, build contexts, included
   * and extended files, file configs and secrets. When a path is not known
   * offline (an unset variable), the whole run directory. For a stack whose
   * files live in another repository, paths in that one (empty when it was
   * not read).
   */
  inputs: StackInput[];
  /**
   * Single files its services bind-mount. A checkout replaces a changed file with a new inode
   * and a running container keeps the old one, so such a service must be recreated.
   */
  fileMounts: FileMount[];
  /** Build contexts and Dockerfiles of its services: `up -d` does not rebuild an image that exists, so a changed one means a build. */
  buildInputs: FileMount[];
  /** Each service's image as written, and where: the line an image update tells the operator to edit. */
  images: ServiceImage[];
  /** Secret values this stack's environment and fields use: masked in everything its deploys report. */
  secretValues: string[];
  /** `[[NAME]]`s no variable here declares, left as written: core and then the agent resolve them at deploy. */
  unresolvedVariables: string[];
}

export interface FleetSync extends Declared {
  config: ResourceSyncConfig;
  /** True for the `[[resource_sync]]` that describes the sync reading this repository. */
  self: boolean;
}

export interface FleetVariable extends Declared {
  /** Empty for secrets: their values never leave the loader. */
  value: string;
  secret: boolean;
}

export interface Fleet {
  servers: FleetServer[];
  swarms: FleetSwarm[];
  stacks: FleetStack[];
  syncs: FleetSync[];
  variables: FleetVariable[];
  alerters: Array<Declared & { config: AlerterConfig }>;
  userGroups: Array<Declared & { config: UserGroupResource }>;
  repos: Array<Declared & { config: RepoConfig }>;
  settings: RepoSettings;
  /** The resource folders and files that were read. */
  resourcePaths: string[];
  /** Every secret variable's value known while reading (core masks them everywhere). */
  secretValues: string[];
  /** Commit SHA when read from a commit. */
  commit?: string;
}
