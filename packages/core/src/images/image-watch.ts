// Image checks across the fleet: what every checked stack's containers run
// (from their agents), one registry check per unique tag, the verdict per
// service stored, `ImageUpdateAvailable` per stack and one batched notice of
// newer versions per round; then, for `auto_update` stacks, an update of the
// changed services only, verified against the digest the registry named.
// Rounds run one at a time, every TUG_IMAGE_CHECK_INTERVAL (jittered) and on
// "check now".
import type { StreamResult } from "@tugboat/protocol";
import pLimit from "p-limit";
import type { AgentPool } from "../agents/agent-pool.js";
import type { ServerStore } from "../agents/server-store.js";
import type { AlertManager } from "../alerts/alert-manager.js";
import type { Deployer, TriggerInfo } from "../deploy/deployer.js";
import { imageSpec } from "../deploy/stack-spec.js";
import type { StackRow, StackStore } from "../deploy/stack-store.js";
import {
  type Finding,
  judgeImage,
  type RunningImage,
  runningImages,
  runsLatest,
  servicesToUpdate,
  type UpdateChoice,
} from "./compare.js";
import { alertAvailable, alertVersions, short } from "./image-alerts.js";
import type { ImageCheckRow, ImageStore } from "./image-store.js";
import { imageKey, parseImageReference } from "./reference.js";
import type { RegistryClient } from "./registry-client.js";
import { RegistryFindings, type RoundFindings, repositoryKey } from "./registry-findings.js";
import { newerVersions } from "./semver.js";

export interface ImageWatchDeps {
  stacks: StackStore;
  servers: ServerStore;
  agents: AgentPool;
  deployer: Deployer;
  store: ImageStore;
  alerts: AlertManager;
  registry: RegistryClient;
  /** 0: no automatic rounds. */
  intervalMs: number;
  log: (line: string) => void;
  background: (what: string, work: Promise<unknown>) => void;
}

export interface CheckOptions {
  /** Only these stacks, whatever their settings ("check now"); default every stack that polls. */
  stacks?: string[];
  trigger: TriggerInfo;
  /** "Update now": update these stacks' services with a newer image (all of them by default), whatever auto_update says. */
  updateNow?: { services?: string[] };
}

export interface ImageRound {
  at: string;
  stacks: number;
  /** Unique tags checked: one registry check each. */
  images: number;
  updateAvailable: number;
  /** Image updates started, by stack. */
  updates: Array<{ stack: string; updateId: string; services: string[] }>;
}

interface Observed {
  stack: StackRow;
  running: RunningImage[];
  error?: string;
}

export class ImageWatch {
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly registry: RegistryFindings;

  constructor(private readonly deps: ImageWatchDeps) {
    this.registry = new RegistryFindings(deps.registry, this.abort.signal);
  }

  start(): void {
    if (this.deps.intervalMs <= 0) return;
    const next = (first: boolean) => {
      // ±10 % so that cores started together (and their registries) do not beat in step.
      const base = first ? Math.min(60_000, this.deps.intervalMs) : this.deps.intervalMs;
      this.timer = setTimeout(
        () => {
          const round = this.check({ trigger: { trigger: "poll", actor: "image-check" } });
          this.deps.background(
            "image check",
            round.then(({ updatesDone }) => updatesDone),
          );
          next(false);
        },
        base * (0.9 + Math.random() * 0.2),
      );
      this.timer.unref();
    };
    next(true);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
  }

  /** One round, after any running one (and its updates) ended. `updatesDone` settles when its updates have run. */
  check(options: CheckOptions): Promise<{ round: ImageRound; updatesDone: Promise<void> }> {
    const run = this.chain.then(() => this.run(options));
    this.chain = run.then(({ updatesDone }) => updatesDone).catch(() => undefined);
    return run;
  }

  private async run(options: CheckOptions) {
    const { stacks, store } = this.deps;
    const all = await stacks.list();
    const chosen = all.filter(
      (s) =>
        s.deployedCommit !== null &&
        (options.stacks ? options.stacks.includes(s.name) : imageSpec(s.spec).imageUpdates.poll),
    );
    if (!options.stacks) await this.forget(new Set(chosen.map((s) => s.name)));
    const observed = await this.observe(chosen);
    const found = await this.registry.round(observed.flatMap((o) => o.running));
    const previous = new Map((await store.list()).map((row) => [`${row.stack}/${row.service}`, row]));
    const now = new Date().toISOString();
    const round: ImageRound = {
      at: now,
      stacks: chosen.length,
      images: found.findings.size,
      updateAvailable: 0,
      updates: [],
    };
    const updates: Array<Promise<void>> = [];
    for (const { stack, running, error } of observed) {
      if (error !== undefined) {
        // The agent could not say what runs: the last findings stay, marked.
        const kept = [...previous.values()].filter((r) => r.stack === stack.name);
        await store.replace(
          stack.name,
          kept.map((r) => ({ ...r, note: `not checked: ${error}`, checkedAt: now })),
        );
        continue;
      }
      const rows = running.map((image) => this.judge(stack, image, found, previous, now));
      await store.replace(stack.name, rows);
      const available = rows.filter((r) => r.status === "update-available");
      if (available.length > 0) round.updateAvailable += 1;
      const settings = imageSpec(stack.spec).imageUpdates;
      const choice = options.updateNow
        ? manualChoice(available, options.updateNow.services)
        : stack.stopped
          ? undefined
          : servicesToUpdate(settings, rows);
      const started = choice ? await this.update(stack, choice, rows, found, options.trigger) : undefined;
      if (started) {
        round.updates.push({ stack: stack.name, updateId: started.updateId, services: choice?.services ?? [] });
        updates.push(started.done);
      }
      // auto_update handles these: now, at the next round when the stack is busy, or (failed at
      // this digest) through its update record's alert. The rest wait for a person.
      const automatic = (r: ImageCheckRow) =>
        settings.auto && !stack.stopped && !settings.skipServices.includes(r.service);
      const waiting = available.filter((r) => !automatic(r) && !started?.services.includes(r.service));
      await alertAvailable(this.deps.alerts, stack, waiting);
    }
    if (!options.stacks) await alertVersions(this.deps.alerts, await store.list(), all);
    this.deps.log(
      `image check: ${round.stacks} stack(s), ${round.images} image(s), ${round.updateAvailable} with updates, ${round.updates.length} update(s) started`,
    );
    return { round, updatesDone: Promise.all(updates).then(() => undefined) };
  }

  /**
   * Stacks no automatic round checks (gone from the repository, never
   * deployed, or no longer polling): their findings go, and their
   * ImageUpdateAvailable resolves.
   */
  private async forget(checked: ReadonlySet<string>) {
    const stale = new Map<string, string>();
    for (const row of await this.deps.store.list()) if (!checked.has(row.stack)) stale.set(row.stack, row.server);
    for (const [name, server] of stale) {
      await this.deps.store.replace(name, []);
      await alertAvailable(this.deps.alerts, { name, server }, []);
    }
  }

  private judge(
    stack: StackRow,
    image: RunningImage,
    found: RoundFindings,
    previous: ReadonlyMap<string, ImageCheckRow>,
    now: string,
  ): ImageCheckRow {
    const ref = parseImageReference(image.image);
    const list = ref ? found.tags.get(repositoryKey(ref)) : undefined;
    return judgeImage({
      stack,
      image,
      finding: ref ? found.findings.get(imageKey(ref)) : undefined,
      versions: ref && list ? newerVersions(ref.tag, list) : undefined,
      previous: previous.get(`${stack.name}/${image.service}`),
      indexOf: found.indexOf,
      now,
    });
  }

  /** What each stack's containers run now, from its agent (a few stacks at a time). */
  private async observe(chosen: readonly StackRow[]): Promise<Observed[]> {
    const servers = new Map((await this.deps.servers.list()).map((s) => [s.name, s]));
    const limit = pLimit(16);
    return Promise.all(
      chosen.map((stack) =>
        limit(async (): Promise<Observed> => {
          if (!servers.get(stack.server)?.enabled)
            return { stack, running: [], error: `server ${stack.server} is not enabled` };
          try {
            const client = await this.deps.agents.client(stack.server);
            if (!client) return { stack, running: [], error: `server ${stack.server} is not known` };
            const status = await client.status(stack.name, stack.project, this.abort.signal);
            return { stack, running: runningImages(status.containers) };
          } catch (error) {
            return { stack, running: [], error: (error as Error).message };
          }
        }),
      ),
    );
  }

  /** Starts an update of the chosen services; when it ends, the stack's rows say what it did. */
  private async update(
    stack: StackRow,
    choice: UpdateChoice,
    rows: ImageCheckRow[],
    found: RoundFindings,
    trigger: TriggerInfo,
  ) {
    if (stack.deployedCommit === null || this.deps.deployer.busy(stack.name)) return undefined;
    const byService = new Map(rows.map((r) => [r.service, r]));
    const reasons = choice.services.map((s) => {
      const row = byService.get(s);
      return `${s}: ${row?.image ?? "?"} ${short(row?.runningDigest)} → ${short(row?.latestDigest)}`;
    });
    if (choice.wholeStack) reasons.push("auto_update_all_services: the whole stack is redeployed");
    // Service → why it does not run the registry's digest after the update.
    const notUpdated = (result: StreamResult) =>
      new Map(
        choice.services.flatMap((s) => {
          const why = this.notUpdated(s, result, byService.get(s), found);
          return why ? [[s, why] as const] : [];
        }),
      );
    const started = await this.deps.deployer.updateImages({
      stack,
      request: { commit: stack.deployedCommit, services: choice.wholeStack ? [] : choice.services },
      trigger,
      reasons,
      verify: (result) => {
        const problems = [...notUpdated(result).values()];
        return problems.length > 0
          ? `${problems.join("; ")}; not tried again until the registry has another digest`
          : undefined;
      },
    });
    const done = started.done.then(async (result) => {
      const failed = !result
        ? "the update did not reach its agent"
        : !result.ok
          ? (result.error?.message ?? "it failed")
          : undefined;
      const problems = result?.ok ? notUpdated(result) : new Map<string, string>();
      await this.deps.store.replace(
        stack.name,
        rows.map((row): ImageCheckRow => {
          if (!choice.services.includes(row.service)) return row;
          const why = failed ?? problems.get(row.service);
          return why === undefined
            ? { ...row, status: "up-to-date", runningDigest: row.latestDigest, failedDigest: null, note: null }
            : {
                ...row,
                failedDigest: row.latestDigest,
                note: `the update to ${short(row.latestDigest)} did not take (${why}); not tried again until the registry has another digest`,
              };
        }),
      );
    });
    return { updateId: started.updateId, services: choice.services, done };
  }

  /** Why a service does not run the registry's digest after its update; undefined when it does. */
  private notUpdated(
    service: string,
    result: StreamResult,
    row: ImageCheckRow | undefined,
    found: RoundFindings,
  ): string | undefined {
    const ref = row ? parseImageReference(row.image) : undefined;
    const finding: Finding | undefined = ref ? found.findings.get(imageKey(ref)) : undefined;
    if (!finding || "error" in finding) return undefined;
    const now = runningImages(result.containers).find((r) => r.service === service);
    if (!now) return `${service} has no container after the update`;
    if (runsLatest(now, finding, found.indexOf)) return undefined;
    return `${service} still runs ${short(now.digests[0])}, not ${short(row?.latestDigest)} (the pull did not bring the registry's digest)`;
  }
}

/** "Update now": the services named (or all) that have a newer image, whatever failed before. */
function manualChoice(
  available: readonly ImageCheckRow[],
  services: readonly string[] | undefined,
): UpdateChoice | undefined {
  const chosen = available.map((r) => r.service).filter((s) => !services || services.includes(s));
  return chosen.length > 0 ? { services: chosen.sort(), wholeStack: false } : undefined;
}
