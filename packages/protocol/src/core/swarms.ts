// The swarms API: each declared swarm, what its manager last reported, and
// what the last sync applied to it.
import { z } from "zod";
import { NetworkOutcome, NodeLabelsResult, SwarmState } from "../swarm.js";

const SwarmHealth = z.enum(["healthy", "unhealthy", "down", "unknown"]);

export const SwarmListItemView = z.object({
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  links: z.array(z.string()),
  /** Manager servers, in the order they are tried. */
  managers: z.array(z.string()),
  /** The manager that answered last, "" when none did. */
  manager: z.string(),
  /** healthy: nodes ready and services converged; unhealthy: not; down: no manager answers; unknown: not polled yet. */
  health: SwarmHealth,
  nodes: z.object({ total: z.number(), ready: z.number(), down: z.number() }),
  services: z.object({ total: z.number(), converged: z.number() }),
  /** Why no manager answered. */
  error: z.string(),
  checkedAt: z.string().nullable(),
});
export type SwarmListItemView = z.infer<typeof SwarmListItemView>;

export const SwarmDetailView = SwarmListItemView.extend({
  state: SwarmState.nullable(),
  /** The problems behind `unhealthy`. */
  problems: z.array(z.string()),
  applied: z
    .object({
      at: z.string(),
      labels: NodeLabelsResult.nullable(),
      networks: z.array(NetworkOutcome.extend({ where: z.string() })),
      errors: z.array(z.string()),
    })
    .nullable(),
});
export type SwarmDetailView = z.infer<typeof SwarmDetailView>;
