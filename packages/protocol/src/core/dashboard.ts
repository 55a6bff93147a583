// Core API: the dashboard in one reply.
import { z } from "zod";
import { StackState } from "./fleet.js";
import { AlertView } from "./observability.js";
import { UpdateView } from "./updates.js";

const StackCounts = z.partialRecord(StackState, z.number());

export const DashboardView = z.object({
  servers: z.array(
    z.object({
      name: z.string(),
      region: z.string(),
      tags: z.array(z.string()),
      enabled: z.boolean(),
      reachable: z.boolean(),
      lastSeen: z.string().nullable(),
      lastError: z.string().nullable(),
      agentVersion: z.string().nullable(),
      /** From the last sample, percent; null before the first. */
      stats: z.object({ cpu: z.number(), memory: z.number().nullable(), disk: z.number().nullable() }).nullable(),
      stacks: StackCounts,
    }),
  ),
  totals: z.object({
    servers: z.number(),
    reachable: z.number(),
    stacks: z.number(),
    byState: StackCounts,
    /** Stacks that need a look: drifted, rolled back (a failed version held back), self-heal held for a person. */
    drifted: z.number(),
    rolledBack: z.number(),
    held: z.number(),
  }),
  alerts: z.array(AlertView),
  updates: z.array(UpdateView),
});
export type DashboardView = z.infer<typeof DashboardView>;
