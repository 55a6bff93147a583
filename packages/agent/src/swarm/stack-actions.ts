// Actions on a swarm stack, which has services, not containers: `down` is
// `docker stack rm`, `restart` replaces every task (`service update --force`),
// `pull` is done by each node when a task starts. Stop and start have no
// Swarm equivalent that keeps the stack as Git says; scale in the compose file.
import type { StackAction } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import { exec } from "../exec/exec.js";
import type { ActionRun } from "../stacks/run.js";
import type { StackRecord } from "../stacks/stack-record.js";

export async function swarmAction(
  run: ActionRun,
  record: StackRecord,
  action: StackAction,
  services: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const options = { cwd: record.cwd, env };
  if (action === "down") {
    await run.command("down", ["docker", "stack", "rm", "--", record.project], options);
    return;
  }
  if (action === "restart") {
    const names = services.length > 0 ? services : await stackServices(run, record, env);
    for (const service of names)
      await run.command(
        "restart",
        ["docker", "service", "update", "--force", "--detach", "--", `${record.project}_${service}`],
        options,
      );
    return;
  }
  if (action === "pull") {
    run.log("pull", "a swarm's nodes pull images when their tasks start; nothing to pull here");
    return;
  }
  throw new TugError(
    "E_INVALID_REQUEST",
    `${action} does not apply to swarm stack "${record.stack}": remove it with down, or set its replicas in the compose file`,
  );
}

async function stackServices(run: ActionRun, record: StackRecord, env: NodeJS.ProcessEnv): Promise<string[]> {
  const names: string[] = [];
  const { stdout } = await exec(["docker", "stack", "services", "--format", "{{.Name}}", "--", record.project], {
    cwd: record.cwd,
    env,
    timeoutMs: 60_000,
  });
  for (const line of stdout.split("\n")) {
    const name = line.trim();
    if (name.startsWith(`${record.project}_`)) names.push(name.slice(record.project.length + 1));
  }
  run.log("restart", `restarting ${names.join(", ")}`);
  return names;
}
