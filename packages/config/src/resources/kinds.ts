// Every resource kind Tugboat reads, and the Komodo kinds it only tolerates.
import { alerterKind } from "./alerter.js";
import type { KindSpec } from "./common.js";
import { repoKind } from "./repo.js";
import { resourceSyncKind } from "./resource-sync.js";
import { serverKind } from "./server.js";
import { stackKind } from "./stack.js";
import { swarmKind } from "./swarm.js";
import { userGroupKind } from "./user-group.js";
import { variableKind } from "./variable.js";

export const KINDS: readonly KindSpec[] = [
  serverKind,
  stackKind,
  resourceSyncKind,
  variableKind,
  alerterKind,
  userGroupKind,
  repoKind,
  swarmKind,
];

export const KIND_BY_NAME: ReadonlyMap<string, KindSpec> = new Map(KINDS.map((spec) => [spec.kind, spec]));

/** Komodo kinds an existing repository may hold; read without error, reported as not supported yet. */
export const UNSUPPORTED_KINDS = ["procedure", "action", "build", "builder", "deployment", "server_template"] as const;
