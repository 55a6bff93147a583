// A swarm stack's deploy on a manager: `docker stack deploy` with the compose
// files interpolated from the stack's environment as Compose would (the CLI
// interpolates from its own environment, not from `.env`), file-based configs
// and secrets renamed by content so a change rotates them, then the wait until
// every service has converged on its new spec.
import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseEnv } from "node:util";
import type { ServiceFailure, SwarmServiceStatus, SwarmTaskStatus } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import yaml from "js-yaml";
import type { DockerEngine } from "../docker/engine.js";
import { requireInside } from "../safety/checkout-paths.js";
import { pathInside } from "../safety/names.js";
import type { ActionRun } from "../stacks/run.js";
import { evaluateSwarm } from "./convergence.js";
import { readServices, STACK_LABEL } from "./swarm-read.js";

export interface SwarmTarget {
  project: string;
  /** Absolute paths of the compose files, and of the env files in order (later wins). */
  files: readonly string[];
  envFiles: readonly string[];
  cwd: string;
  worktree: string;
}

export interface SwarmOutcome {
  failures: ServiceFailure[];
  services: SwarmServiceStatus[];
  tasks: SwarmTaskStatus[];
}

/**
 * Names that change how the docker CLI runs or where it connects (a stack's
 * `DOCKER_HOST` would send registry credentials to another daemon, a `PATH`
 * or `LD_PRELOAD` would run code from the checkout): never taken from a
 * stack's environment.
 */
const PROCESS_VARIABLE = /^(PATH|HOME|SHELL|ENV|IFS|TMPDIR|LD_.*|DOCKER_.*|COMPOSE_.*|GO.*|SSL_CERT_.*|.*_PROXY)$/i;

/**
 * The stack's environment for interpolation: its env files, later ones winning.
 * As with Compose, the agent's own environment wins over them, and names that
 * steer the CLI are left out (each named in a warning).
 */
export async function swarmEnvironment(
  envFiles: readonly string[],
  base: NodeJS.ProcessEnv,
  warn: (text: string) => void,
): Promise<{ env: NodeJS.ProcessEnv; values: Record<string, string> }> {
  const stack: Record<string, string> = {};
  for (const file of envFiles) Object.assign(stack, parseEnv(await readFile(file, "utf8")));
  const refused = Object.keys(stack).filter((name) => PROCESS_VARIABLE.test(name));
  if (refused.length > 0)
    warn(`not given to docker stack deploy, as they steer the CLI itself: ${refused.sort().join(", ")}`);
  const allowed = Object.fromEntries(Object.entries(stack).filter(([name]) => !PROCESS_VARIABLE.test(name)));
  return { env: { ...allowed, ...base }, values: stack };
}

/** A config's or secret's key as Docker accepts it in an object name (no path separator). */
const OBJECT_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Writes a new file at `path`, never through a link the repository may have put at that name. */
async function writeFresh(path: string, content: string): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, content, { mode: 0o600, flag: "wx" });
}

/**
 * Swarm configs and secrets cannot change in place ("only updates to Labels
 * are allowed"): each one read from a file, or from the stack's environment
 * (Compose's `environment: NAME`, so a secret Tugboat holds becomes a Swarm
 * secret), gets a name carrying its content's hash: a change is a new one,
 * and the old one goes once unused. Returns the compose files to deploy:
 * rewritten next to the originals (so relative paths still resolve) when
 * something was renamed.
 */
export async function versionedComposeFiles(
  target: SwarmTarget,
  run: ActionRun,
  values: Readonly<Record<string, string>>,
): Promise<string[]> {
  const out: string[] = [];
  for (const file of target.files) {
    const doc = yaml.load(await readFile(file, "utf8")) as Record<string, unknown> | undefined;
    let changed = false;
    for (const kind of ["configs", "secrets"] as const) {
      const entries = (doc?.[kind] ?? {}) as Record<string, Record<string, unknown> | null>;
      for (const [key, entry] of Object.entries(entries)) {
        if (!entry || entry.name !== undefined || entry.external) continue;
        // The key names a file written next to the compose file and a Swarm object: nothing that leads elsewhere.
        if (!OBJECT_KEY.test(key))
          throw new TugError(
            "E_INVALID_REQUEST",
            `${kind}.${key}: a name of letters, digits, "_", "." and "-" is needed`,
          );
        let content: Buffer;
        if (typeof entry.environment === "string") {
          const value = values[entry.environment];
          if (value === undefined)
            throw new TugError(
              "E_INVALID_REQUEST",
              `${kind}.${key} reads variable ${entry.environment}, which the stack's environment does not set`,
            );
          content = Buffer.from(value);
          const written = join(dirname(file), `.tugboat-${kind}.${key}`);
          await writeFresh(written, value);
          entry.environment = undefined;
          entry.file = `./${basename(written)}`;
        } else if (typeof entry.file === "string") {
          const path = pathInside(dirname(file), entry.file);
          if (!path)
            throw new TugError("E_INVALID_REQUEST", `${kind}.${key}.file "${entry.file}" leaves the stack's checkout`);
          await requireInside(target.worktree, path, `${kind}.${key}.file`);
          content = await readFile(path);
        } else continue;
        entry.name = `${target.project}_${key}_${createHash("sha256").update(content).digest("hex").slice(0, 12)}`;
        changed = true;
      }
    }
    if (!changed) {
      out.push(file);
      continue;
    }
    const rendered = join(dirname(file), `.tugboat-swarm.${basename(file)}`);
    await writeFresh(rendered, yaml.dump(doc, { lineWidth: -1, noRefs: true, skipInvalid: true }));
    run.log("configs", `${basename(file)}: configs and secrets are named by their content`);
    out.push(rendered);
  }
  return out;
}

/**
 * The deploy itself, after the checkout and env files: pre_deploy, `docker
 * stack deploy`, post_deploy, the wait, and the removal of unused versions.
 */
export async function deploySwarmStack(options: {
  engine: DockerEngine;
  run: ActionRun;
  target: SwarmTarget;
  request: { extraArgs: readonly string[]; timeoutSeconds: number; ignoreServices: readonly string[] };
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  hook: (step: string) => Promise<void>;
}): Promise<SwarmOutcome> {
  const { engine, run, target, request } = options;
  await options.hook("pre_deploy");
  const { env, values } = await swarmEnvironment(target.envFiles, options.env, (text) => run.warn("deploy", text));
  const files = await versionedComposeFiles(target, run, values);
  await run.command(
    "deploy",
    [
      "docker",
      "stack",
      "deploy",
      "--prune",
      "--with-registry-auth",
      ...request.extraArgs,
      ...files.flatMap((file) => ["-c", file]),
      "--",
      target.project,
    ],
    { cwd: target.cwd, env, timeoutMs: options.timeoutMs },
  );
  await options.hook("post_deploy");
  const outcome = await run.task("wait for services", () =>
    waitForConvergence(engine, run, target.project, {
      timeoutSeconds: request.timeoutSeconds,
      ignore: request.ignoreServices,
    }),
  );
  if (outcome.failures.length === 0) await pruneVersions(engine, target.project, run);
  return outcome;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForConvergence(
  engine: DockerEngine,
  run: ActionRun,
  project: string,
  options: { timeoutSeconds: number; ignore: readonly string[] },
): Promise<SwarmOutcome> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let last = "";
  for (;;) {
    const { services, tasks } = await readServices(engine, project);
    const verdict = evaluateSwarm(services, tasks, options.ignore);
    const summary = verdict.waiting.map((w) => `${w.service}: ${w.reason}`).join(", ");
    if (summary && summary !== last) run.log("wait for services", `waiting for ${summary}`);
    last = summary;
    const timedOut = Date.now() > deadline;
    if (verdict.done || verdict.failing.length > 0 || timedOut) {
      const failing = [
        ...verdict.failing,
        ...(timedOut
          ? verdict.waiting.map((w) => ({ ...w, reason: `${w.reason} after ${options.timeoutSeconds} s` }))
          : []),
      ];
      const failures = await Promise.all(
        failing.map(async (f) => {
          const service = services.find((s) => s.service === f.service);
          return { ...f, logs: service ? await lastLines(engine, service.id, run) : [] };
        }),
      );
      return { failures, services, tasks };
    }
    await sleep(500);
  }
}

async function lastLines(engine: DockerEngine, serviceId: string, run: ActionRun): Promise<string[]> {
  const lines: string[] = [];
  try {
    for await (const entry of engine.logs(serviceId, { tail: 20, swarmService: true }))
      lines.push(run.mask(entry.line));
  } catch (error) {
    if (!(error instanceof TugError)) throw error;
  }
  return lines.slice(-20);
}

/** Removes the stack's configs and secrets no service uses any more (earlier versions). */
export async function pruneVersions(engine: DockerEngine, project: string, run: ActionRun): Promise<void> {
  const filter = encodeURIComponent(JSON.stringify({ label: [`${STACK_LABEL}=${project}`] }));
  const services = await engine.json<Array<{ Spec: { TaskTemplate?: { ContainerSpec?: Record<string, unknown> } } }>>(
    "GET",
    `/services?filters=${filter}`,
  );
  const used = new Set(
    services.flatMap((s) => {
      const spec = s.Spec.TaskTemplate?.ContainerSpec ?? {};
      return [
        ...((spec.Configs as Array<{ ConfigID: string }>) ?? []).map((c) => c.ConfigID),
        ...((spec.Secrets as Array<{ SecretID: string }>) ?? []).map((c) => c.SecretID),
      ];
    }),
  );
  for (const kind of ["configs", "secrets"] as const) {
    const items = await engine.json<Array<{ ID: string; Spec: { Name: string } }>>("GET", `/${kind}?filters=${filter}`);
    for (const item of items) {
      if (used.has(item.ID)) continue;
      await engine.json("DELETE", `/${kind}/${encodeURIComponent(item.ID)}`).then(
        () => run.log("configs", `removed ${kind.slice(0, -1)} ${item.Spec.Name}: no service uses it now`),
        (error: unknown) => {
          if (!(error instanceof TugError)) throw error;
          run.warn("configs", `could not remove ${kind.slice(0, -1)} ${item.Spec.Name}: ${error.message}`);
        },
      );
    }
  }
}
