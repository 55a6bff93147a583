// The tug command tree. Each command lives in its own file under commands/ and
// is loaded only when it runs, so `tug --help` stays fast.
import { createRequire } from "node:module";
import { Command } from "commander";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/** Commands set the exit code here; bin.ts exits with it. */
export const outcome = { exitCode: 0 };

const REPO_HELP =
  "a checkout of another repository stacks read their files from: NAME is its [[repo]] name or owner/name (repeatable)";

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function buildProgram(): Command {
  const program = new Command("tug")
    .description("Tugboat: GitOps for fleets of Docker hosts")
    .version(version)
    .showHelpAfterError()
    // An option belongs to the command it follows: `tug agent --core wss://…` (the agent's link) and
    // `tug agent upgrade --core http://…` (core's API) are different options.
    .enablePositionalOptions()
    .exitOverride();

  program
    .command("validate")
    .description("check a fleet repository: TOML resources, compose files, references (exit 1 on errors)")
    .argument("[dir]", "repository folder", ".")
    .option(
      "--resources <path>",
      "resource file or folder to read (repeatable); default: the repository's own resource_sync, else syncs/",
      collect,
    )
    .option("--commit <rev>", "read this commit of DIR's Git repository instead of the working tree")
    .option("--lint", "report every hardening lint (they are off unless tugboat.toml turns them on)")
    .option(
      "--server <name>",
      "a server another repository declares (repeatable; or [servers] external in tugboat.toml)",
      collect,
    )
    .option("--repo <name=path>", REPO_HELP, collect)
    .option("--json", "print { errors, warnings, suppressedLints } as JSON")
    .action(async (dir: string, options) => {
      const { validateCommand } = await import("./commands/validate.js");
      outcome.exitCode = await validateCommand(dir, options);
    });

  program
    .command("plan")
    .description("show what applying the repository would change and which stacks would deploy, and why")
    .argument("[dir]", "repository folder", ".")
    .option("--resources <path>", "resource file or folder to read (repeatable)", collect)
    .option(
      "--server <name>",
      "a server another repository declares (repeatable; or [servers] external in tugboat.toml)",
      collect,
    )
    .option("--commit <rev>", "plan this commit of DIR's Git repository instead of the working tree")
    .option("--repo <name=path>", REPO_HELP, collect)
    .option("--state <file>", "current state (JSON, as written by --write-state); default: nothing deployed")
    .option("--write-state <file>", "write the state after this plan is applied")
    .option("--json", "print the plan as JSON")
    .option("--core <url>", "show the plan a core holds for a sync instead (DIR is then the sync name, default root)")
    .action(async (dir: string, options) => {
      if (options.core) {
        outcome.exitCode = await (await import("./commands/remote.js")).remotePlanCommand(
          dir === "." ? "root" : dir,
          options,
        );
        return;
      }
      const { planCommand } = await import("./commands/plan.js");
      outcome.exitCode = await planCommand(dir, options);
    });

  program
    .command("up")
    .description(
      "run Tugboat on this machine on its embedded defaults: private Docker daemons, agents and core syncing examples/homelab",
    )
    .option("--data-dir <dir>", "where everything is kept (TUG_DATA_DIR)", undefined)
    .option("--port <port>", "core's port (TUG_PORT, default 9120)")
    .action(async (options) => {
      const { up } = await import("./demo/up.js");
      outcome.exitCode = await up(options);
    });

  program
    .command("core")
    .description("run the control plane (HTTP API on port 9120; settings from TUG_* variables or --config)")
    .option("--config <file>", "core config TOML; TUG_* environment variables override it")
    .option("--port <port>", "listen port (TUG_PORT)")
    .action(async (options) => {
      const { coreCommand } = await import("./commands/core.js");
      outcome.exitCode = await coreCommand(options);
    });

  const agent = program
    .command("agent")
    .description("run the agent on this Docker host (HTTPS on port 8120 by default)")
    .option("--config <file>", "agent config TOML (default: /etc/tugboat/agent.toml when it exists)")
    .option("--port <port>", "listen port (TUG_AGENT_PORT)")
    .option("--host <address>", "listen address")
    .option("--root <dir>", "state folder: checkouts, certificate (TUG_AGENT_ROOT)")
    .option("--passkey-file <file>", "file holding the passkey (or set TUG_AGENT_PASSKEY)")
    .option("--allowed-ips <list>", "comma-separated addresses allowed to call the agent")
    .option("--insecure-http", "serve plain HTTP instead of HTTPS (the passkey then travels unencrypted)")
    .option(
      "--core <url>",
      "outbound mode: dial core's agent link (wss://core:9121) and open no port (TUG_AGENT_CORE_URL)",
    )
    .option(
      "--token <token>",
      "the token tug server enroll printed (visible in ps: prefer --token-file or TUG_AGENT_TOKEN)",
    )
    .option("--token-file <file>", "file holding that token")
    .option("--core-fingerprint <sha256>", "the fingerprint of core's link certificate (tug server enroll prints it)")
    .option("--core-ca <file>", "a CA (PEM) that signs core's certificate, instead of a fingerprint")
    .action(async (options) => {
      const { agentCommand } = await import("./commands/agent.js");
      outcome.exitCode = await agentCommand(options);
    });
  agent
    .command("install")
    .description("print the systemd unit and agent.toml for this host; --write writes them and a new passkey")
    .option("--write", "write the files instead of printing them")
    .option("--build <file>", "run this single-file build (tugboat-agent.mjs; what tug agent upgrade replaces)")
    .option("--config-dir <dir>", "where agent.toml and the passkey go", "/etc/tugboat")
    .option("--unit-dir <dir>", "where the systemd unit goes", "/etc/systemd/system")
    .option("--root <dir>", "the agent's state folder", "/var/lib/tugboat-agent")
    .option("--port <port>", "listen port", "8120")
    .option("--core <url>", "outbound: the agent dials core's agent link (wss://core:9121) and listens on no port")
    .option("--core-fingerprint <sha256>", "outbound: core's link certificate, as tug server enroll prints it")
    .action(async (options) => {
      const { agentInstallCommand } = await import("./commands/agent.js");
      outcome.exitCode = await agentInstallCommand(options);
    });

  program
    .command("restore")
    .description("restore a backup into a data dir (or --database-url) that no core is using; migrates it forward")
    .argument("<file>", "a backup archive (tugboat-….tar.gz, or .tar.gz.age with --identity)")
    .requiredOption("--data-dir <dir>", "core's data dir (TUG_DATA_DIR): gets the database (SQLite) and core.key")
    .option("--database-url <url>", "restore into this PostgreSQL database (TUG_DATABASE_URL)")
    .option("--identity <file>", "the age identity file of an encrypted backup")
    .option("--key-file <file>", "where core's key goes (TUG_KEY_FILE; default: <data-dir>/core.key)")
    .action(async (file: string, options) => {
      outcome.exitCode = await (await import("./commands/backup.js")).restoreCommand(file, options);
    });

  const core = (cmd: Command) =>
    cmd.option("--core <url>", "core's URL (TUG_CORE_URL; default: the one tug login saved)");
  core(agent.command("upgrade"))
    .description("core upgrades agents to the build it offers, one host at a time, each healthy before the next")
    .option("--all", "every enabled server")
    .option("--server <name...>", "these servers, in this order")
    .option("--rollback", "put back each agent's previous build")
    .action(async (options) => {
      outcome.exitCode = await (await import("./commands/agent.js")).agentUpgradeCommand(options);
    });
  const remote = () => import("./commands/remote.js");

  core(program.command("login"))
    .description("log in to a core and save the session token (mode 0600)")
    .option("--username <name>", "user name (TUG_USERNAME)")
    .option("--password-stdin", "read the password from standard input")
    .option("--code <code>", "two-factor code or recovery code (TUG_TOTP_CODE)")
    .action(async (options) => {
      const { loginCommand } = await import("./commands/login.js");
      outcome.exitCode = await loginCommand(options);
    });
  core(program.command("ls"))
    .description("list servers, stacks, syncs or swarms")
    .argument("<kind>", "servers | stacks | syncs | swarms")
    .option("--json", "print JSON")
    .action(async (kind: string, options) => {
      outcome.exitCode = await (await remote()).lsCommand(kind, options);
    });
  core(program.command("status"))
    .description(
      "one stack: state, deployed commit, drift, self-heals, a quarantined version (exit 1 when drifted or held)",
    )
    .argument("<stack>")
    .option("--json", "print JSON")
    .action(async (stack: string, options) => {
      const { statusCommand } = await import("./commands/status.js");
      outcome.exitCode = await statusCommand(stack, options);
    });
  for (const action of ["deploy", "stop", "start", "restart", "pull"]) {
    core(program.command(action))
      .description(`${action} a stack through core`)
      .argument("<stack>")
      .option("--follow", "stream the update's output until it ends")
      .action(async (stack: string, options) => {
        outcome.exitCode = await (await remote()).stackActionCommand(action, stack, options);
      });
  }
  const swarm = program.command("swarm").description("swarms core watches");
  core(swarm.command("nodes"))
    .description("a swarm's nodes: role, availability, status, labels, engine")
    .argument("<swarm>")
    .option("--json", "print JSON")
    .action(async (name: string, options) => {
      const { swarmNodesCommand } = await import("./commands/swarm.js");
      outcome.exitCode = await swarmNodesCommand(name, options);
    });
  const server = program.command("server").description("servers on a core");
  core(server.command("enroll"))
    .description("a token for an outbound agent (printed once) and its command; --revoke takes it back")
    .argument("<name>", "the server, as Git declares it")
    .option("--revoke", "revoke the server's token and cut its link")
    .option("--json", "print JSON")
    .action(async (name: string, options) => {
      outcome.exitCode = await (await import("./commands/server.js")).serverEnrollCommand(name, options);
    });
  const sync = program.command("sync").description("syncs on a core");
  core(sync.command("run"))
    .description("apply the sync's branch head now")
    .argument("[name]", "sync name", "root")
    .action(async (name: string, options) => {
      outcome.exitCode = await (await remote()).syncRunCommand(name, options);
    });
  const variable = program.command("variable").description("variables and secrets core holds for [[NAME]]s");
  const variables = () => import("./commands/variables.js");
  core(variable.command("ls"))
    .description("list them (a secret without its value)")
    .option("--json", "print JSON")
    .action(async (options) => {
      outcome.exitCode = await (await variables()).variableListCommand(options);
    });
  core(variable.command("set"))
    .description("set one; the value is read from standard input")
    .argument("<name>")
    .option("--secret", "never show the value again; mask it in every record and log")
    .option("--description <text>", "what it is for")
    .action(async (name: string, options) => {
      outcome.exitCode = await (await variables()).variableSetCommand(name, options);
    });
  core(variable.command("rm"))
    .description("remove one")
    .argument("<name>")
    .action(async (name: string, options) => {
      outcome.exitCode = await (await variables()).variableRemoveCommand(name, options);
    });
  core(program.command("logs"))
    .description("the fleet's logs: the last lines (of a stack, or all), then with -f the new ones from every host")
    .argument("[stack]", "only this stack")
    .option("--grep <words>", 'only lines with these words ("a phrase", prefix*, -excluded)')
    .option("--search <words>", "search the whole fleet's logs for these words (the same as --grep without STACK)")
    .option("-f, --follow", "then follow new lines until Ctrl-C")
    .option("--since <when>", "from this time: ISO, or 15m, 2h, 7d ago")
    .option("--server <name>", "only this server")
    .option("--service <name>", "only this service")
    .option("--level <levels>", "only these levels (error,fatal)")
    .option("--limit <n>", "how many of the last lines", "100")
    .option("--json", "one JSON object per line")
    .action(async (stack: string | undefined, options) => {
      outcome.exitCode = await (await import("./commands/logs.js")).logsCommand(stack, options);
    });
  core(program.command("exec"))
    .description("a shell, or a command, in a service's running container (admins; recorded, not the keystrokes)")
    .argument("<stack>")
    .argument("<service>")
    .argument("[command...]", "the command and its arguments (after --); default: bash, else sh")
    .action(async (stack: string, service: string, command: string[], options) => {
      outcome.exitCode = await (await import("./commands/exec.js")).execCommand(stack, service, command, options);
    });
  const images = () => import("./commands/images.js");
  const image = core(program.command("images"))
    .description("each checked service's image: what it runs, what its registry has, newer versions")
    .argument("[stack]", "only this stack")
    .option("--check", "check now (every stack that polls, or STACK whatever its poll_for_updates), then list")
    .option("--json", "print JSON")
    .action(async (stack: string | undefined, options) => {
      outcome.exitCode = await (await images()).imagesCommand(stack, options);
    });
  core(image.command("update"))
    .description("pull and recreate the stack's services that have a newer image (verified, rolled back on failure)")
    .argument("<stack>")
    .argument("[services...]", "only these services")
    .option("--follow", "stream the update's output until it ends")
    .action(async (stack: string, services: string[], options) => {
      outcome.exitCode = await (await images()).imagesUpdateCommand(stack, services, options);
    });
  const registry = program.command("registry").description("registry credentials core checks images with");
  core(registry.command("ls"))
    .description("list the registries core holds credentials for (never the passwords)")
    .option("--json", "print JSON")
    .action(async (options) => {
      outcome.exitCode = await (await images()).registryListCommand(options);
    });
  core(registry.command("login"))
    .description("set the credentials for a registry host; the password or token is read from standard input")
    .argument("<registry>", "host[:port] as image references name it (ghcr.io, docker.io, registry.lan:5000)")
    .option("--username <name>", "user name")
    .option("--password-stdin", "read the password or token from standard input")
    .action(async (name: string, options) => {
      outcome.exitCode = await (await images()).registryLoginCommand(name, options);
    });
  core(registry.command("logout"))
    .description("forget a registry's credentials")
    .argument("<registry>")
    .action(async (name: string, options) => {
      outcome.exitCode = await (await images()).registryLogoutCommand(name, options);
    });
  core(program.command("doctor"))
    .description(
      "the fleet's health: agents, versions, pins, Docker, disks, clocks, stacks, syncs, backups (exit 1 on a fail)",
    )
    .option("--all", "show the ok rows too")
    .option("--json", "print JSON")
    .action(async (options) => {
      outcome.exitCode = await (await import("./commands/doctor.js")).doctorCommand(options);
    });
  core(program.command("backup"))
    .description("back core up now: database and key, checked, GFS-pruned (--list: the backups kept)")
    .option("--list", "list the backups instead")
    .option("--json", "print JSON")
    .action(async (options) => {
      outcome.exitCode = await (await import("./commands/backup.js")).backupCommand(options);
    });
  core(program.command("updates"))
    .description("list update records")
    .option("--target <name>", "only this stack or sync")
    .option("--json", "print JSON")
    .action(async (options) => {
      outcome.exitCode = await (await remote()).updatesCommand(options);
    });
  core(program.command("update"))
    .description("show one update record")
    .argument("<id>")
    .option("--follow", "stream its output until it ends")
    .action(async (id: string, options) => {
      outcome.exitCode = await (await remote()).updateCommand(id, options);
    });

  return program;
}
