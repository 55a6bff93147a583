// One AgentClient per server, with the server's passkey (or core's) and the
// certificate pin kept in the database.

import { AgentClient } from "./agent-client.js";
import type { ServerStore } from "./server-store.js";

export interface ServerSettings {
  address: string;
  passkey: string;
  timeoutSeconds: number;
}

export class AgentPool {
  private readonly settings = new Map<string, ServerSettings>();

  constructor(
    private readonly servers: ServerStore,
    private readonly defaultPasskey: string,
  ) {}

  /** Called by the sync engine with each server's settings from the repository. */
  configure(server: string, settings: { address: string; passkey: string; timeoutSeconds: number }): void {
    this.settings.set(server, { ...settings, passkey: settings.passkey || this.defaultPasskey });
  }

  async client(server: string): Promise<AgentClient | undefined> {
    const settings = this.settings.get(server);
    const row = await this.servers.get(server);
    if (!settings || !row) return undefined;
    return new AgentClient({
      server,
      address: settings.address,
      passkey: settings.passkey,
      timeoutSeconds: Math.max(settings.timeoutSeconds, 3),
      pin: {
        pinned: row.fingerprint,
        onFirstContact: (fingerprint) => this.servers.pin(server, fingerprint),
        onChanged: (fingerprint) => this.servers.recordChangedFingerprint(server, fingerprint),
      },
    });
  }
}
