// The agent's single-file build starts here (scripts/bundle-agent.mjs makes
// tugboat-agent.mjs from it): `node tugboat-agent.mjs [agent] --config FILE`,
// the same flags as `tug agent`. It runs until SIGINT/SIGTERM, or until an
// upgrade replaced it, and exits for systemd to start it again.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AGENT_VERSION, startAgent } from "./agent.js";
import { loadAgentConfig } from "./config/agent-config.js";

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv[0] === "agent" ? argv.slice(1) : argv,
    options: {
      config: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      root: { type: "string" },
      "passkey-file": { type: "string" },
      "allowed-ips": { type: "string" },
      "insecure-http": { type: "boolean" },
      core: { type: "string" },
      token: { type: "string" },
      "token-file": { type: "string" },
      "core-fingerprint": { type: "string" },
      "core-ca": { type: "string" },
      version: { type: "boolean" },
    },
  });
  if (values.version) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  const config = await loadAgentConfig({
    ...(values.config ? { configFile: values.config } : {}),
    flags: {
      port: values.port,
      host: values.host,
      root: values.root,
      passkey_file: values["passkey-file"],
      allowed_ips: values["allowed-ips"],
      insecure_http: values["insecure-http"],
      core_url: values.core,
      token: values.token,
      token_file: values["token-file"],
      core_fingerprint: values["core-fingerprint"],
      core_ca: values["core-ca"],
    },
  });
  process.on("unhandledRejection", (error) => console.error(`tug agent: unhandled rejection: ${String(error)}`));
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const agent = await startAgent(config, {
    self: { file: realpathSync(fileURLToPath(import.meta.url)), version: AGENT_VERSION },
    restart: () => {
      console.log("tug agent: replaced by an upgrade; exiting for the supervisor to start it");
      stop();
    },
  });
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await stopped;
  await agent.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`tug agent: ${error.message}`);
    process.exit(1);
  },
);
