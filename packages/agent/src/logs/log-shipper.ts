// Ships the logs of the containers of every stack this agent deployed. Core
// pulls: the first `POST /logs/batch` of a session carries core's cursors
// (where its store ends for each container), and followers start there;
// later calls acknowledge what core stored and wait for new lines. Containers
// are found on Docker's start events and every 2 s; a stack with
// `ship_logs = false`, or a container labelled `tugboat.logs=false`, is left
// out. Nothing runs until core first asks.
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { LOG_WAIT_MAX_MS, type LogBatch, type LogBatchRequest, type LogCursor } from "@tugboat/protocol";
import type { DockerEngine } from "../docker/engine.js";
import { maskerOf } from "../safety/secret-mask.js";
import type { StackRecords } from "../stacks/stack-record.js";
import { Follower } from "./follower.js";
import { type BufferLimits, LogBuffer } from "./log-buffer.js";

const DISCOVER_MS = 2_000;
/** A container core has no cursor for, when core gave no time to start from: its last lines only. */
const BACKFILL = 1_000;
export const OPT_OUT_LABEL = "tugboat.logs";
const PROJECT_LABEL = "com.docker.compose.project";
/** Cursors kept for containers that stopped, so a restart resumes where it stood. */
const MAX_CURSORS = 5_000;

type Parsed = Required<Omit<LogBatchRequest, "cursors" | "from">> & Pick<LogBatchRequest, "cursors" | "from">;

export class LogShipper {
  private epoch = "";
  /** Where a container without a cursor starts (core's retention). */
  private from: string | undefined;
  private cursors = new Map<string, LogCursor>();
  private readonly followers = new Map<string, Follower>();
  private readonly buffer: LogBuffer;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** A discovery is queued and has not started. */
  private waiting = false;
  private pauses = 0;
  /** Containers Docker said started since the last discovery. */
  private started = new Set<string>();
  private readonly stopping = new AbortController();
  private watching: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      engine: DockerEngine;
      records: StackRecords;
      log: (line: string) => void;
      limits?: BufferLimits;
    },
  ) {
    this.buffer = new LogBuffer(deps.limits ?? { lines: 20_000, bytes: 8 * 1024 * 1024 });
    this.buffer.onRoom(() => {
      for (const follower of this.followers.values()) follower.resume();
    });
  }

  /**
   * Core's call. With cursors: a new session that starts there. Without, in
   * the session core names: acknowledge, then the next lines. Without, in
   * another session (this agent restarted): an empty epoch, which asks core
   * for its cursors, so nothing starts from a guess.
   */
  async batch(request: Parsed, signal?: AbortSignal): Promise<LogBatch> {
    const { cursors } = request;
    if (cursors) await this.exclusive(() => this.newSession(cursors, request.from));
    else if (request.epoch === "" || request.epoch !== this.epoch)
      return { epoch: "", lines: [], following: 0, paused: 0, pauses: 0, longestWaitMs: LOG_WAIT_MAX_MS };
    else this.buffer.acknowledge(request.after);
    const lines = await this.buffer.take(request.cursors ? 0 : request.after, request.max, request.waitMs, signal);
    const followers = [...this.followers.values()];
    return {
      epoch: this.epoch,
      lines,
      following: followers.filter((f) => !f.ended).length,
      paused: followers.filter((f) => f.paused).length,
      pauses: this.pauses,
      longestWaitMs: LOG_WAIT_MAX_MS,
    };
  }

  private async newSession(cursors: Record<string, LogCursor>, from: string | undefined): Promise<void> {
    if (this.stopping.signal.aborted) return; // closing: no follower starts after close() stopped them
    await this.stopFollowers();
    this.buffer.clear();
    this.epoch = randomBytes(8).toString("hex");
    this.from = from;
    this.cursors = new Map(Object.entries(cursors));
    this.pauses = 0;
    await this.discover();
    if (!this.timer) {
      this.timer = setInterval(() => this.discoverSoon(), DISCOVER_MS);
      this.timer.unref();
      this.watching = this.watchEvents(this.stopping.signal);
    }
  }

  /**
   * Follows each container of a shipped stack that has no follower: a
   * running one until it stops, a stopped one to the end of its log (a
   * one-shot, a crash). A container that ran again (a start event, or running
   * while its follow had ended) is followed again from where it stood.
   * Followers of containers gone are forgotten, keeping where they stood.
   */
  private async discover(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    try {
      const stacks = new Map(
        (await this.deps.records.list()).filter((r) => r.shipLogs !== false).map((r) => [r.project, r.stack]),
      );
      const present =
        stacks.size === 0 ? [] : await this.deps.engine.listContainers({ all: true, labels: [PROJECT_LABEL] });
      const shipped = present.filter(
        (c) =>
          stacks.has(c.Labels[PROJECT_LABEL] ?? "") &&
          c.Labels[OPT_OUT_LABEL] !== "false" &&
          c.Labels["com.docker.compose.oneoff"] !== "True",
      );
      const ids = new Set(shipped.map((c) => c.Id));
      for (const [id, follower] of this.followers)
        if (!ids.has(id) && follower.ended) {
          this.remember(id, follower.position);
          this.followers.delete(id);
        }
      const started = this.started;
      this.started = new Set();
      for (const summary of shipped) {
        const existing = this.followers.get(summary.Id);
        const again = existing?.ended && (summary.State === "running" || started.has(summary.Id));
        if (existing && !again) continue;
        const stack = stacks.get(summary.Labels[PROJECT_LABEL] ?? "") ?? "";
        const service = summary.Labels["com.docker.compose.service"] ?? "";
        await this.follow({ id: summary.Id, stack, service, before: existing });
      }
    } catch (error) {
      this.deps.log(`log shipping: ${(error as Error).message}`);
    }
  }

  /** A discovery now (not waiting for the next scan); one more is never queued behind a waiting one. */
  private discoverSoon(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.exclusive(async () => {
      this.waiting = false;
      await this.discover();
    }).catch(() => undefined);
  }

  /**
   * Runs session changes and discoveries one at a time: two at once could
   * both start a follower for the same container (its lines shipped twice),
   * or one could start followers from a session another just ended.
   */
  private exclusive(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Docker's start events: a new or restarted container is followed at once. */
  private async watchEvents(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const event of this.deps.engine.containerEvents(signal))
          if (event.action === "start") {
            this.started.add(event.id);
            this.discoverSoon();
          }
      } catch (error) {
        if (signal.aborted) return;
        this.deps.log(`log shipping: container events: ${(error as Error).message}`);
      }
      await delay(5_000, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Where a container's shipping stood, for when it runs again; the oldest are forgotten past a bound. */
  private remember(id: string, cursor: LogCursor | undefined) {
    if (!cursor) return;
    this.cursors.delete(id);
    this.cursors.set(id, cursor);
    if (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value as string);
  }

  private async follow(container: { id: string; stack: string; service: string; before: Follower | undefined }) {
    const { id, stack, service } = container;
    const inspect = await this.deps.engine.inspectContainer(id).catch(() => undefined);
    if (!inspect) return;
    const good = await this.deps.records.readLastGood(stack);
    const cursor = container.before?.position ?? this.cursors.get(id);
    const follower = new Follower({
      engine: this.deps.engine,
      buffer: this.buffer,
      target: { id, stack, service, tty: inspect.Config.Tty, mask: maskerOf(good?.secrets ?? []) },
      start: cursor ? { cursor } : this.from ? { since: this.from } : { tail: BACKFILL },
      onError: (error) => this.deps.log(`log shipping of ${stack}/${service}: ${error.message}`),
      onPause: () => {
        this.pauses += 1;
      },
    });
    this.followers.set(id, follower);
    if (this.buffer.full()) follower.pause();
    else follower.start();
  }

  private async stopFollowers(): Promise<void> {
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
    this.followers.clear();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.watching;
    await this.queue;
    await this.stopFollowers();
  }
}
