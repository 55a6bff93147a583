// The outbound link: an agent that core cannot reach dials core's agent-link
// listener and keeps one WebSocket open; core sends its requests through it.
// These are the names both sides agree on.

/** Where an outbound agent dials (wss://core:9121/agent/link). */
export const AGENT_LINK_PATH = "/agent/link";
/** Core's upgrade reply names the seconds between its pings; the agent redials after three go missing. */
export const LINK_HEARTBEAT_HEADER = "x-tugboat-heartbeat";
/** The agent's version, sent when it dials. */
export const LINK_VERSION_HEADER = "x-tugboat-agent-version";

const PREFIX = "tugl";

/** An enrolment token: it names its server, so core can say whose token was refused. */
export function formatLinkToken(server: string, secret: string): string {
  const hex = [...new TextEncoder().encode(server)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${PREFIX}.${hex}.${secret}`;
}

export function parseLinkToken(token: string): { server: string; secret: string } | undefined {
  const [prefix, name, secret, ...rest] = token.trim().split(".");
  if (prefix !== PREFIX || !name || !secret || rest.length > 0 || !/^([0-9a-f]{2})+$/.test(name)) return undefined;
  const bytes = Uint8Array.from(name.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
  const server = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return server ? { server, secret } : undefined;
}
