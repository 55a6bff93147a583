// `tug server enroll NAME`: a token for an outbound agent (shown once, on
// standard output only, so it can go straight into a file), and the command
// that starts the agent. `--revoke` takes it back and cuts the link.
import { CoreClient } from "../core-client.js";
import { EXIT_OK } from "../exit-codes.js";

interface Enrolment {
  server: string;
  token: string;
  linkUrl: string;
  coreFingerprint: string;
  command: string;
}

export async function serverEnrollCommand(
  name: string,
  options: { core?: string; revoke?: boolean; json?: boolean },
): Promise<number> {
  const client = await CoreClient.from(options);
  const path = `/api/servers/${encodeURIComponent(name)}/enroll`;
  if (options.revoke) {
    const { revoked } = await client.request<{ revoked: boolean }>("DELETE", path);
    process.stderr.write(
      revoked ? `revoked the token of ${name}; its link is cut\n` : `${name} had no token; nothing to revoke\n`,
    );
    return EXIT_OK;
  }
  const enrolment = await client.request<Enrolment>("POST", path);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(enrolment, null, 2)}\n`);
    return EXIT_OK;
  }
  // The token alone on stdout (`tug server enroll pi-5 > agent.token`); the rest is for the reader.
  process.stdout.write(`${enrolment.token}\n`);
  const lines = [
    `enrolled ${name}: the token above is shown once (core keeps only its hash); any earlier token of ${name} no longer works.`,
    enrolment.linkUrl
      ? `core's agent link: ${enrolment.linkUrl}${enrolment.coreFingerprint ? `, certificate ${enrolment.coreFingerprint}` : " (its certificate is checked against the system's CAs)"}`
      : "core has no agent link yet: set TUG_AGENT_LINK_PORT (e.g. 9121) and restart core.",
    `on ${name}, put the token in /etc/tugboat/agent.token (mode 0600) and run:`,
    `  ${enrolment.command}`,
    `and in Git, give the server connection = "outbound" and no address.`,
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
  return EXIT_OK;
}
