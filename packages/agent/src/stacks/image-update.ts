// An image update core asked for: pull the named services' images (every
// service when none is named) and recreate those, from the last good deploy.
// When they fail their health gate, each reference is pinned back to the
// image it named at the last good deploy and the services brought up again,
// so the stack ends running what ran before.
import type { DeployRequestParsed, StreamResult } from "@tugboat/protocol";
import { type DeployDeps, type DeployOutcome, runDeploy } from "./deploy.js";
import { restoreImages } from "./pinned-images.js";
import type { ActionRun } from "./run.js";
import type { LastGood } from "./stack-record.js";

export interface ImageUpdateOutcome extends DeployOutcome {
  rolledBack?: NonNullable<StreamResult["rolledBack"]>;
}

/** The last good deploy, limited to `services`; nothing rebuilt, their images pulled or not. */
function updateOf(good: LastGood, services: readonly string[], pull: boolean): DeployRequestParsed {
  const { rollback: _rollback, images: _images, ...rest } = good;
  return { ...rest, services: [...services], pull, build: [], buildAll: false, recreate: [] };
}

export async function runImageUpdate(
  deps: DeployDeps,
  run: ActionRun,
  stack: string,
  good: LastGood,
  services: readonly string[],
): Promise<ImageUpdateOutcome> {
  const outcome = await runDeploy(deps, run, stack, updateOf(good, services, true));
  if (outcome.failures.length === 0) return outcome;
  const back = services.length > 0 ? services : undefined;
  run.log("rollback", "the new images failed: bringing back the images that ran before");
  run.enter("rollback");
  try {
    await restoreImages(deps.engine, run, good.images, back);
    const restored = await runDeploy(deps, run, stack, updateOf(good, services, false));
    const rolledBack = {
      from: good.commit,
      to: good.commit,
      ok: restored.failures.length === 0,
      failures: restored.failures,
    };
    return { failures: outcome.failures, containers: restored.containers, rolledBack };
  } catch (error) {
    run.log("rollback", `the rollback failed too: ${(error as Error).message}`, "stderr");
    return { ...outcome, rolledBack: { from: good.commit, to: good.commit, ok: false, failures: [] } };
  } finally {
    run.enter("");
  }
}
