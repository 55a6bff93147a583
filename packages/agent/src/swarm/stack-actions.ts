// Actions on a swarm stack, which has services, not containers: `down` is
// `docker stack rm`, `restart` replaces every task (`service update --force`),
// `pull` is done by each node when a task starts. Stop and start have no
// Swarm equivalent that keeps the stack as Git says; scale in the compose file.
import type { StackAction } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";
import type { ActionRun } from "../stacks/run.js";
import type { StackRecord } from "../stacks/stack-record.js";
import { readServices } from "./swarm-read.js";

export async function swarmAction(
  run: ActionRun,
  record: StackRecord,
  action: StackAction,
  services: readonly string[],
  deps: { engine: DockerEngine; env: NodeJS.ProcessEnv },
): Promise<void> {
  const options = { cwd: record.cwd, env: deps.env };
  if (action === "down") {
    await run.command("down", ["docker", "stack", "rm", "--", record.project], options);
    return;
  }
  if (action === "restart") {
    const names =
      services.length > 0 ? services : (await readServices(deps.engine, record.project)).services.map((s) => s.service);
    run.log("restart", `restarting ${names.join(", ")}`);
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
