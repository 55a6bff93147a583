// The pull before `up`, as `docker-compose pull --ignore-pull-failures` does
// it. When the compose files name their images plainly (or with variables
// resolved as Compose would resolve them) and the host's login
// for each registry is in its Docker config, the agent asks dockerd itself:
// about 20 ms for an image that is up to date, against 0.6-0.9 s for
// Compose's Python start-up. Otherwise Compose pulls, as before. A pull that
// fails is a warning: a registry that cannot be reached (no DNS, rate limits,
// a hung mirror) must not block redeploying a config change with the images
// already on the host, and `up` fails, naming the image, only if one is
// really missing.
import { dirname } from "node:path";
import { parseImageReference, TugError } from "@tugboat/protocol";
import { composeLookup } from "../compose/interpolate.js";
import { declaredImages } from "../compose/services.js";
import type { DockerEngine } from "../docker/engine.js";
import { pullAuth, readClientConfig } from "../docker/registry-auth.js";
import { ExecError } from "../exec/exec.js";
import type { ActionRun } from "./run.js";

interface EnginePull {
  image: string;
  ref: { name: string; tag: string };
  auth: string | undefined;
}

export interface PullTarget {
  files: readonly string[];
  /** The `--env-file`s Compose is given, in order: with the environment, what `${VAR}` in an image reads. */
  envFiles: readonly string[];
  /** The services to pull; none named means every service without a profile. */
  services: readonly string[];
  /** `docker-compose pull` for these services, when Compose must do it. */
  composeArgv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** The pulls dockerd can do alone, or undefined when Compose must pull. */
async function enginePulls(target: PullTarget): Promise<EnginePull[] | undefined> {
  const images = await declaredImages(
    target.files,
    target.services,
    await composeLookup(target.envFiles, target.env, [
      target.cwd,
      ...target.files.slice(0, 1).map((file) => dirname(file)),
    ]),
  );
  if (!images) return undefined;
  const config = await readClientConfig(target.env);
  const pulls: EnginePull[] = [];
  for (const image of images) {
    const ref = parseImageReference(image);
    const auth = ref ? pullAuth(config, ref.registry) : "compose";
    if (!ref || auth === "compose") return undefined;
    // Never an empty tag: dockerd would pull every tag of the repository.
    pulls.push({
      image,
      ref: { name: `${ref.registry}/${ref.repository}`, tag: ref.digest ?? ref.tag },
      auth: auth.header,
    });
  }
  return pulls;
}

/**
 * Pulls before a deploy's `up`, where a failed pull is a warning; with
 * `strict` (the pull action an operator asks for), it fails the action,
 * naming each image that could not be pulled.
 */
export async function pullImages(
  engine: DockerEngine,
  run: ActionRun,
  target: PullTarget & { strict?: boolean },
): Promise<void> {
  const pulls = await enginePulls(target);
  if (!pulls) {
    try {
      await run.command("pull", target.composeArgv, target);
    } catch (error) {
      if (target.strict || !(error instanceof ExecError)) throw error;
      run.warn("pull", `pulling images failed; deploying with the images on this host (${error.message})`);
    }
    return;
  }
  const failed = await run.task("pull", async () => {
    const signal = AbortSignal.timeout(target.timeoutMs);
    const failures = await Promise.all(
      pulls.map(async ({ image, ref, auth }) => {
        run.log("pull", `pulling ${image}`);
        try {
          for await (const line of engine.pullImage(ref, { auth, signal })) run.log("pull", line);
          return undefined;
        } catch (error) {
          const why = signal.aborted
            ? `not done within ${target.timeoutMs / 1000} s, the command deadline`
            : (error as Error).message;
          if (!target.strict)
            run.warn("pull", `pulling ${image} failed; deploying with the image on this host (${why})`);
          return `pulling ${image} failed (${why})`;
        }
      }),
    );
    return failures.filter((failure) => failure !== undefined);
  });
  if (target.strict && failed.length > 0) throw new TugError("E_EXEC_FAILED", failed.join("; "));
}
