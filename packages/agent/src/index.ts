// tug agent: runs stacks on one Docker host, exactly as core asks.
export const AGENT_DEFAULT_PORT = 8120;
