// Outbound agents as core's API shows them: enrolment (the token, once) and
// the state of a server's link.
import { z } from "zod";

export const EnrolmentView = z.object({
  server: z.string(),
  /** Shown once: core keeps only its hash. */
  token: z.string(),
  /** wss://… the agent dials; "" when core has no agent link (agent_link_port unset). */
  linkUrl: z.string(),
  /** SHA-256 of core's link certificate, for the agent to pin; "" behind a TLS proxy. */
  coreFingerprint: z.string(),
  /** The agent's command line, the token read from a file. */
  command: z.string(),
});

export const LinkView = z.object({
  server: z.string(),
  connection: z.enum(["inbound", "outbound"]),
  enrolled: z.object({ createdAt: z.string(), createdBy: z.string(), lastUsedAt: z.string().nullable() }).nullable(),
  /** The link open now. */
  linked: z
    .object({
      remote: z.string(),
      version: z.string(),
      since: z.string(),
      /** Channels open in it: requests in flight and streams (log tails, shells). */
      channels: z.number(),
    })
    .nullable(),
});

export const RevokedView = z.object({ server: z.string(), revoked: z.boolean() });
