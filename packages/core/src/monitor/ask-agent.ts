// What a status round learns from one agent: its health, its host's stats and
// its stacks' status. One request (POST /poll) where the agent has it; asked
// one by one as before where it has not (an older agent), or where the one
// request was refused for another reason than silence (a certificate not
// trusted yet: /health alone may be asked then, and says what is wrong).
import { type HostStats, type StackStatus, TugError } from "@tugboat/protocol";
import type { AgentClient } from "../agents/agent-client.js";

export interface AgentAnswers {
  /** Why the agent could not be reached (then nothing else is known). */
  error?: string;
  agentVersion?: string;
  stats?: HostStats;
  /** Each stack's status; a stack the agent could not read is missing. */
  statuses: Map<string, StackStatus>;
}

/** Agents (by server) that had no POST /poll, with the version they ran: asked again once it changes. */
export type OlderAgents = Map<string, string>;

export async function askAgent(
  client: AgentClient,
  ask: {
    server: string;
    stacks: ReadonlyArray<{ name: string; project: string }>;
    stats: boolean;
    signal: AbortSignal;
    older: OlderAgents;
  },
): Promise<AgentAnswers> {
  const stacks = ask.stacks.map((stack) => ({ stack: stack.name, project: stack.project }));
  let older = ask.older.has(ask.server);
  if (!older) {
    try {
      const reply = await client.poll({ stats: ask.stats, stacks }, ask.signal);
      return {
        agentVersion: reply.health.version,
        ...(reply.stats ? { stats: reply.stats } : {}),
        statuses: new Map(reply.statuses.flatMap((status) => ("error" in status ? [] : [[status.stack, status]]))),
      };
    } catch (cause) {
      if (cause instanceof TugError && cause.code === "E_AGENT_UNREACHABLE")
        return { error: cause.message, statuses: new Map() };
      older = cause instanceof TugError && cause.code === "E_NOT_FOUND";
      // Any other refusal: asked as before, which records and reports it as it always did.
    }
  }
  let agentVersion: string;
  try {
    agentVersion = (await client.health(ask.signal)).version;
  } catch (cause) {
    return { error: (cause as Error).message, statuses: new Map() };
  }
  // An older agent is asked one by one until it runs another version (an upgrade may bring the route).
  if (older && ask.older.get(ask.server) === undefined) ask.older.set(ask.server, agentVersion);
  else if (older && ask.older.get(ask.server) !== agentVersion) ask.older.delete(ask.server);
  const stats = ask.stats ? await client.stats(ask.signal).catch(() => undefined) : undefined;
  const statuses =
    stacks.length === 0
      ? new Map<string, StackStatus>()
      : await client.statuses(stacks, ask.signal).catch(() => new Map<string, StackStatus>());
  return { agentVersion, ...(stats ? { stats } : {}), statuses };
}
