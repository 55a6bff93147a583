// Core's side of outbound agents, as core.ts starts it: the listener when
// agent_link_port is set, and what happens when an agent links.
import type { AuditLog } from "../../auth/audit.js";
import type { CoreConfig } from "../../config/core-config.js";
import type { AgentLinks } from "./agent-links.js";
import type { AgentTokens } from "./agent-tokens.js";
import { linkCertificate } from "./link-certificate.js";
import { type LinkListener, startLinkListener } from "./link-listener.js";

export async function startAgentLink(
  config: CoreConfig,
  deps: {
    tokens: AgentTokens;
    links: AgentLinks;
    audit: AuditLog;
    log: (line: string) => void;
    /** An agent linked (first time, or again): poll it, and retry what could not reach it. */
    linked: (server: string) => void;
  },
): Promise<LinkListener | undefined> {
  deps.links.onConnect(deps.linked);
  if (config.agent_link_port === 0) return undefined;
  const tls = config.agent_link_plain
    ? undefined
    : await linkCertificate({
        certFile: config.agent_link_cert,
        keyFile: config.agent_link_key,
        dataDir: config.data_dir,
      });
  return startLinkListener({
    port: config.agent_link_port,
    host: config.agent_link_host || config.host,
    tls,
    heartbeatSeconds: config.agent_link_heartbeat_seconds,
    tokens: deps.tokens,
    links: deps.links,
    audit: deps.audit,
    log: deps.log,
  });
}
