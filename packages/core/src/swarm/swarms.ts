// The swarms the syncs declare, and what core last saw of each: through the
// first of its manager servers whose agent answers (tried in order, as
// Komodo does), every status interval. What it sees feeds the swarm alerts;
// the API and UI read it from here.
import type { FleetSwarm, SwarmConfig } from "@tugboat/config";
import type { NetworkOutcome, NodeLabelsResult, SwarmState } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import type { AgentClient } from "../agents/agent-client.js";
import type { AgentPool } from "../agents/agent-pool.js";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { StackStore } from "../deploy/stack-store.js";
import { swarmObservations } from "./swarm-alerts.js";
import { observeSwarmStacks } from "./swarm-stacks.js";

export interface DeclaredSwarm {
  name: string;
  sync: string;
  description: string;
  tags: string[];
  config: SwarmConfig;
}

export interface ObservedSwarm {
  at: string;
  /** The manager server whose agent answered. */
  manager?: string;
  state?: SwarmState;
  error?: string;
}

/** What the last sync applied to a swarm: node labels and networks. */
export interface SwarmApplyReport {
  at: string;
  labels?: NodeLabelsResult;
  networks: Array<NetworkOutcome & { where: string }>;
  errors: string[];
}

export interface SwarmsDeps {
  agents: AgentPool;
  alerts: AlertManager;
  stacks: StackStore;
  intervalMs: number;
  log: (line: string) => void;
}

export class Swarms {
  private readonly declared = new Map<string, DeclaredSwarm>();
  private readonly observedByName = new Map<string, ObservedSwarm>();
  private readonly reports = new Map<string, SwarmApplyReport>();
  private readonly knownNodes = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly deps: SwarmsDeps) {}

  /** The swarms one sync declares, replacing what it declared before. */
  configureSync(sync: string, swarms: readonly FleetSwarm[]): void {
    for (const [name, swarm] of this.declared) if (swarm.sync === sync) this.declared.delete(name);
    for (const swarm of swarms)
      this.declared.set(swarm.name, {
        name: swarm.name,
        sync,
        description: swarm.description,
        tags: swarm.tags,
        config: swarm.config,
      });
  }

  list(): DeclaredSwarm[] {
    return [...this.declared.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): DeclaredSwarm | undefined {
    return this.declared.get(name);
  }

  observed(name: string): ObservedSwarm | undefined {
    return this.observedByName.get(name);
  }

  report(name: string): SwarmApplyReport | undefined {
    return this.reports.get(name);
  }

  /** A swarm stack's running and desired tasks, summed over its services; null before the swarm was seen. */
  readonly replicas = (swarm: string, project: string): { running: number; desired: number } | null => {
    const services = this.observedByName.get(swarm)?.state?.services.filter((s) => s.stack === project);
    if (!services) return null;
    return {
      running: services.reduce((sum, s) => sum + (s.mode.endsWith("-job") ? s.completed : s.running), 0),
      desired: services.reduce((sum, s) => sum + s.desired, 0),
    };
  };

  setReport(name: string, report: SwarmApplyReport): void {
    this.reports.set(name, report);
  }

  /** The first manager whose agent answers, in the order the swarm lists them. */
  async manager(name: string, signal?: AbortSignal): Promise<{ server: string; client: AgentClient }> {
    const swarm = this.declared.get(name);
    if (!swarm) throw new TugError("E_NOT_FOUND", `no swarm "${name}" is declared`);
    const tried: string[] = [];
    for (const server of swarm.config.servers) {
      const client = await this.deps.agents.client(server);
      if (!client) {
        tried.push(`${server}: not known to core`);
        continue;
      }
      try {
        await client.health(signal);
        return { server, client };
      } catch (error) {
        tried.push(`${server}: ${(error as Error).message}`);
      }
    }
    throw new TugError(
      "E_AGENT_UNREACHABLE",
      `no manager of swarm ${name} answers (${tried.join("; ") || "none listed"})`,
    );
  }

  start(): void {
    this.timer = setInterval(() => {
      this.pollOnce().catch((error: Error) => this.deps.log(`swarm poll failed: ${error.message}`));
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.round?.catch(() => undefined);
  }

  /** One round over every swarm; a round still running is waited for, not doubled. */
  pollOnce(): Promise<void> {
    this.round ??= Promise.all(this.list().map((swarm) => this.poll(swarm)))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.round = undefined;
      });
    return this.round;
  }

  private async poll(swarm: DeclaredSwarm): Promise<void> {
    const at = new Date().toISOString();
    let observed: ObservedSwarm;
    try {
      const { server, client } = await this.manager(swarm.name, this.abort.signal);
      observed = { at, manager: server, state: await client.swarm(this.abort.signal) };
    } catch (error) {
      if (this.abort.signal.aborted) return;
      observed = { at, error: (error as Error).message };
    }
    this.observedByName.set(swarm.name, observed);
    const observations = swarmObservations({
      swarm: swarm.name,
      config: swarm.config,
      ...(observed.state ? { state: observed.state } : {}),
      ...(observed.error ? { error: observed.error } : {}),
      knownNodes: this.knownNodes.get(swarm.name) ?? [],
    });
    if (observed.state)
      this.knownNodes.set(
        swarm.name,
        observed.state.nodes.map((n) => n.hostname),
      );
    for (const observation of observations) await this.deps.alerts.observe(observation);
    await observeSwarmStacks(this.deps, swarm.name, observed.manager ?? swarm.config.servers[0] ?? "", observed.state);
  }
}
