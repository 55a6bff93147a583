// What a status round learns from one agent: its health, its host's stats and
// its stacks' status. One request (POST /poll) where the agent has it, which
// sends again only the statuses that changed since the tags core holds; asked
// one by one as before where it has not (an older agent), or where the one
// request was refused for another reason than silence (a certificate not
// trusted yet: /health alone may be asked then, and says what is wrong).
import { deepFreeze } from "@tugboat/config";
import { type HostStats, type StackStatus, TugError } from "@tugboat/protocol";
import type { AgentClient } from "../agents/agent-client.js";

export interface AgentAnswers {
  /** Why the agent could not be reached (then nothing else is known). */
  error?: string;
  agentVersion?: string;
  stats?: HostStats;
  /** Each stack's status; a stack the agent could not read is missing. */
  statuses: Map<string, StackStatus>;
  /** The statuses that came with a tag (or as unchanged): what to say is held at the next round. */
  tagged: TaggedStatuses;
}

/** By stack: a status the agent tagged, and its tag. */
export type TaggedStatuses = ReadonlyMap<string, { tag: string; status: StackStatus }>;

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
    /** What the last round's answers tagged (Poll tags): unchanged statuses are not sent again. */
    held?: TaggedStatuses;
  },
): Promise<AgentAnswers> {
  const stacks = ask.stacks.map((stack) => ({ stack: stack.name, project: stack.project }));
  let older = ask.older.has(ask.server);
  if (!older) {
    try {
      const seen = (stack: string) => ask.held?.get(stack)?.tag;
      const reply = await client.poll(
        { stats: ask.stats, stacks: stacks.map((s) => (seen(s.stack) ? { ...s, seen: seen(s.stack) } : s)) },
        ask.signal,
      );
      const answers = readStatuses(reply.statuses, ask.held);
      // Only a tag core said it holds may be answered as unchanged; any other is asked
      // again without a tag, so that the stack is read this round rather than left unknown.
      if (answers.unheld.size > 0) {
        // Should that fail, they are missing from this round only, as a stack the agent could not read.
        const again = await client
          .poll({ stats: false, stacks: stacks.filter((s) => answers.unheld.has(s.stack)) }, ask.signal)
          .catch(() => ({ statuses: [] }));
        const reread = readStatuses(again.statuses, undefined);
        for (const [stack, status] of reread.statuses) answers.statuses.set(stack, status);
        for (const [stack, held] of reread.tagged) answers.tagged.set(stack, held);
      }
      return {
        agentVersion: reply.health.version,
        ...(reply.stats ? { stats: reply.stats } : {}),
        statuses: answers.statuses,
        tagged: answers.tagged,
      };
    } catch (cause) {
      if (cause instanceof TugError && cause.code === "E_AGENT_UNREACHABLE")
        return { error: cause.message, statuses: new Map(), tagged: new Map() };
      older = cause instanceof TugError && cause.code === "E_NOT_FOUND";
      // Any other refusal: asked as before, which records and reports it as it always did.
    }
  }
  let agentVersion: string;
  try {
    agentVersion = (await client.health(ask.signal)).version;
  } catch (cause) {
    return { error: (cause as Error).message, statuses: new Map(), tagged: new Map() };
  }
  // An older agent is asked one by one until it runs another version (an upgrade may bring the route).
  if (older && ask.older.get(ask.server) === undefined) ask.older.set(ask.server, agentVersion);
  else if (older && ask.older.get(ask.server) !== agentVersion) ask.older.delete(ask.server);
  const stats = ask.stats ? await client.stats(ask.signal).catch(() => undefined) : undefined;
  const statuses =
    stacks.length === 0
      ? new Map<string, StackStatus>()
      : await client.statuses(stacks, ask.signal).catch(() => new Map<string, StackStatus>());
  return { agentVersion, ...(stats ? { stats } : {}), statuses, tagged: new Map() };
}

type PollEntries = Awaited<ReturnType<AgentClient["poll"]>>["statuses"];

/** A poll reply's statuses; `unheld`: the stacks answered unchanged against a tag core does not hold. */
function readStatuses(entries: PollEntries, held: TaggedStatuses | undefined) {
  const statuses = new Map<string, StackStatus>();
  const tagged = new Map<string, { tag: string; status: StackStatus }>();
  const unheld = new Set<string>();
  for (const entry of entries) {
    if ("error" in entry) continue;
    if ("unchanged" in entry) {
      const kept = held?.get(entry.stack);
      if (kept?.tag !== entry.unchanged) {
        unheld.add(entry.stack);
        continue;
      }
      statuses.set(entry.stack, kept.status);
      tagged.set(entry.stack, kept);
      continue;
    }
    const { tag, ...status } = entry;
    statuses.set(status.stack, status);
    // Kept for the rounds after this one, and shared with them: frozen.
    if (tag !== undefined) tagged.set(status.stack, { tag, status: deepFreeze(status) });
  }
  return { statuses, tagged, unheld };
}
