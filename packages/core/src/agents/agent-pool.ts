// One AgentClient per server, with the settings its sync declares (address,
// passkey, declared fingerprint) and the trust core keeps in the database.
// Each sync's servers are replaced whole when it is applied or restored, so a
// server removed from the repository gets nothing more from core.
import { normalizeFingerprint } from "@tugboat/protocol";
import { AgentClient } from "./agent-client.js";
import type { AgentLinks } from "./link/agent-links.js";
import type { ServerStore } from "./server-store.js";

export interface ServerSettings {
  address: string;
  /** outbound: requests go through the link the agent keeps open (no address, passkey or pinned certificate). */
  connection: "inbound" | "outbound";
  passkey: string;
  timeoutSeconds: number;
  /** The certificate fingerprint the server's TOML gives, "" when none. */
  fingerprint: string;
}

export class AgentPool {
  private readonly settings = new Map<string, ServerSettings & { sync: string }>();
  private readonly shutdown = new AbortController();

  constructor(
    private readonly servers: ServerStore,
    private readonly defaultPasskey: string,
    private readonly links: AgentLinks,
    /** The container core runs in, if any: named to every agent, which then leaves it alone. */
    private readonly coreContainer?: string,
  ) {}

  /** The servers one sync declares, replacing what that sync declared before. */
  configureSync(sync: string, servers: ReadonlyMap<string, ServerSettings>): void {
    for (const [name, current] of this.settings) {
      if (current.sync === sync && !servers.has(name)) this.settings.delete(name);
    }
    for (const [name, settings] of servers) {
      this.settings.set(name, { ...settings, sync, passkey: settings.passkey || this.defaultPasskey });
    }
  }

  /** The passkeys core may send, for masking (an outbound server's too: masking more is never wrong). */
  passkeys(): string[] {
    return [...new Set([...this.settings.values()].map((s) => s.passkey).filter(Boolean))];
  }

  /** Cuts off every request in flight and refuses new ones: core is stopping. */
  close(): void {
    this.shutdown.abort();
  }

  async client(server: string): Promise<AgentClient | undefined> {
    const settings = this.settings.get(server);
    const row = await this.servers.get(server);
    if (!settings || !row) return undefined;
    const common = {
      server,
      timeoutSeconds: Math.max(settings.timeoutSeconds, 3),
      signal: this.shutdown.signal,
      ...(this.coreContainer ? { coreContainer: this.coreContainer } : {}),
    };
    if (settings.connection === "outbound")
      return new AgentClient({ ...common, link: { open: () => this.links.open(server) } });
    return new AgentClient({
      ...common,
      address: settings.address,
      passkey: settings.passkey,
      trust: {
        trusted: row.fingerprint,
        declared: normalizeFingerprint(settings.fingerprint),
        trust: (fingerprint) => this.servers.pin(server, fingerprint),
        untrusted: async (fingerprint) => {
          if (row.pendingFingerprint !== fingerprint) await this.servers.recordChangedFingerprint(server, fingerprint);
        },
      },
    });
  }
}
