// Every 15 s (by default): asks each agent for its health and each stack's
// containers, and stores server reachability and stack state, so the API
// answers from the database.
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import type { StackStore } from "../deploy/stack-store.js";
import { stackState } from "./stack-state.js";

export class StatusPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: { servers: ServerStore; stacks: StackStore; agents: AgentPool; intervalMs: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.pollOnce();
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round over every server; overlapping rounds are skipped. */
  pollOnce(): Promise<void> {
    this.running ??= this.poll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async poll(): Promise<void> {
    const stacks = await this.deps.stacks.list();
    await Promise.all(
      (await this.deps.servers.list()).map(async (server) => {
        const client = await this.deps.agents.client(server.name);
        if (!client) return;
        try {
          const health = await client.health();
          await this.deps.servers.recordContact(server.name, { reachable: true, agentVersion: health.version });
        } catch (error) {
          await this.deps.servers.recordContact(server.name, { reachable: false, error: (error as Error).message });
          for (const stack of stacks.filter((s) => s.server === server.name && s.state !== "deploying")) {
            await this.deps.stacks.setState(stack.name, "unknown");
          }
          return;
        }
        for (const stack of stacks.filter((s) => s.server === server.name && s.state !== "deploying")) {
          const status = await client.status(stack.name, stack.project).catch(() => undefined);
          const state = status ? stackState(status.containers, stack.stopped) : "unknown";
          if (state !== stack.state) await this.deps.stacks.setState(stack.name, state);
        }
      }),
    );
  }
}
