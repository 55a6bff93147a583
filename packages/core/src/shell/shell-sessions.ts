// Shells in containers, for admins. A browser cannot send headers with a
// WebSocket, so a shell starts with a single-use ticket (POST, admin, 30 s)
// that the socket's URL carries; core then opens the agent's exec socket
// (certificate pinned before the passkey is sent) and bridges the two. Each
// session is an update record: who, when, which container, the command, how
// long, the exit code; never what was typed.
import { randomBytes } from "node:crypto";
import type { ServerConfig } from "@tugboat/config";
import { DEFAULT_SHELL, parseShellControl, TugError } from "@tugboat/protocol";
import type { RawData, WebSocket } from "ws";
import type { AgentPool } from "../agents/agent-pool.js";
import type { TriggerInfo } from "../deploy/deployer.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import type { UpdateLog } from "../updates/update-log.js";

const TICKET_MS = 30_000;
/** Closing codes the browser and CLI read (4000–4999 are the application's). */
const REFUSED = 4403;
const FAILED = 4502;

interface Ticket {
  stack: string;
  service: string;
  command: string[];
  trigger: TriggerInfo;
  expires: number;
}

export class ShellSessions {
  private readonly tickets = new Map<string, Ticket>();

  constructor(
    private readonly deps: {
      agents: AgentPool;
      stacks: StackStore;
      log: UpdateLog;
      serverSettings: (server: string) => ServerConfig;
    },
  ) {}

  /** A ticket for one shell in the stack's service, if its server allows shells. */
  issue(stack: StackRow, request: { service: string; command?: string[]; trigger: TriggerInfo }) {
    if (this.deps.serverSettings(stack.server).terminals_disabled)
      throw new TugError(
        "E_FORBIDDEN",
        `shells are disabled on server ${stack.server} (terminals_disabled = true in its [[server]] config)`,
      );
    const now = Date.now();
    for (const [id, ticket] of this.tickets) if (ticket.expires < now) this.tickets.delete(id);
    const ticket = randomBytes(24).toString("base64url");
    this.tickets.set(ticket, {
      stack: stack.name,
      service: request.service,
      command: request.command ?? DEFAULT_SHELL,
      trigger: request.trigger,
      expires: now + TICKET_MS,
    });
    return { ticket, expiresAt: new Date(now + TICKET_MS).toISOString() };
  }

  /** Bridges a browser's (or CLI's) socket to the agent's shell, once its ticket checks out. */
  async open(stackName: string, ticketId: string, client: WebSocket): Promise<void> {
    // What the client sends while the agent's socket opens is kept, not dropped (ws drops unheard messages).
    const early: Array<{ data: RawData; binary: boolean }> = [];
    const keep = (data: RawData, binary: boolean) => early.push({ data, binary });
    client.on("message", keep);
    const ticket = this.tickets.get(ticketId);
    this.tickets.delete(ticketId);
    if (!ticket || ticket.stack !== stackName || ticket.expires < Date.now()) {
      client.close(REFUSED, "no valid ticket for this shell: ask for one with POST /api/stacks/NAME/shell");
      return;
    }
    const stack = await this.deps.stacks.get(stackName);
    const updateId = await this.deps.log.store.create({
      operation: "shell",
      targetKind: "stack",
      targetName: stackName,
      ...ticket.trigger,
      commit: stack?.deployedCommit ?? null,
      reasons: [`${ticket.service}: ${ticket.command.join(" ")}`],
    });
    const writer = this.deps.log.writer(updateId);
    await this.deps.log.store.start(updateId);
    const started = Date.now();
    let agent: WebSocket;
    try {
      const agentClient = stack ? await this.deps.agents.client(stack.server) : undefined;
      if (!stack || !agentClient) throw new TugError("E_NOT_FOUND", `stack ${stackName} or its server is not known`);
      const query = new URLSearchParams({ service: ticket.service, command: JSON.stringify(ticket.command) });
      agent = await agentClient.webSocket(`/stacks/${encodeURIComponent(stackName)}/exec?${query}`);
    } catch (error) {
      const body =
        error instanceof TugError ? error.toBody() : { error: { code: "E_INTERNAL", message: String(error) } };
      await writer.end("failed", body);
      client.close(FAILED, body.error.message.slice(0, 120));
      return;
    }
    let container = "";
    agent.on("message", (data, binary) => {
      const control = binary ? undefined : parseShellControl(String(data));
      if (control?.type === "started") container = control.container;
      client.send(data, { binary });
    });
    const forward = (data: RawData, binary: boolean) => {
      if (binary) agent.send(data, { binary: true });
      else if (parseShellControl(String(data))?.type === "resize") agent.send(String(data));
    };
    client.off("message", keep);
    for (const { data, binary } of early) forward(data, binary);
    client.on("message", forward);
    const ended = new Promise<string>((resolve) => {
      agent.once("close", (_code, reason) => resolve(String(reason)));
      const gone = () => {
        agent.close();
        resolve("");
      };
      // The client may have left while the agent's socket opened.
      if (client.readyState !== client.OPEN) gone();
      else client.once("close", gone);
    });
    const reason = await ended;
    let exitCode: number | null = null;
    try {
      exitCode = (JSON.parse(reason) as { exitCode: number | null }).exitCode;
    } catch {
      // the person closed it before the shell ended
    }
    if (client.readyState === client.OPEN) client.close(1000, reason);
    await writer.end("success", { service: ticket.service, container, exitCode, durationMs: Date.now() - started });
  }
}
