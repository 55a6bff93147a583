// What the agent remembers about a stack it deployed, so stop/start/down/logs
// work without core resending the whole deploy: one JSON file per stack; and
// the request of its last deploy that succeeded, so a heal or a rollback can
// bring that one back (its commit, environment and images) without core
// resending it. Both are mode 0600, like the env file the deploy writes.
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DeployRequest, type DeployRequestParsed, TugError } from "@tugboat/protocol";
import { z } from "zod";
import type { ComposeProject } from "../compose/command.js";
import { PinnedImage } from "./pinned-images.js";

export interface StackRecord extends ComposeProject {
  stack: string;
  commit: string;
  /** Absolute run directory: compose runs here. */
  cwd: string;
  ignoreServices: string[];
  /** Ship its containers' logs to core (the stack's `ship_logs`); missing in older records: yes. */
  shipLogs?: boolean;
  /** Deployed with `docker stack deploy` (this host is a swarm manager); missing: Compose. */
  mode?: "swarm";
}

/** The request of the last deploy that succeeded, and the images its services ran at its end. */
const LastGood = DeployRequest.extend({ images: z.array(PinnedImage).default([]) });
export type LastGood = z.output<typeof LastGood>;

export class StackRecords {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, "state");
  }

  write(record: StackRecord): Promise<void> {
    return this.save(`${record.stack}.json`, record);
  }

  /** Keeps the request of a deploy that succeeded and its images; the repository token is never written. */
  writeLastGood(stack: string, request: DeployRequestParsed, images: readonly PinnedImage[]): Promise<void> {
    const { token: _token, ...repository } = request.repository;
    return this.save(`${stack}.good.json`, { ...request, repository, images });
  }

  async readLastGood(stack: string): Promise<LastGood | undefined> {
    const text = await readFile(join(this.dir, `${stack}.good.json`), "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    // Written by this agent; one from another version (or cut short) counts as none.
    try {
      return LastGood.safeParse(JSON.parse(text)).data;
    } catch {
      return undefined;
    }
  }

  private async save(name: string, value: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, name);
    await writeFile(`${file}.tmp`, JSON.stringify(value, null, 2), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  /** Every stack this agent deployed. */
  async list(): Promise<StackRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const stacks = names.filter((n) => n.endsWith(".json") && !n.endsWith(".good.json")).map((n) => n.slice(0, -5));
    const records = await Promise.all(stacks.map((stack) => this.read(stack).catch(() => undefined)));
    return records.filter((r): r is StackRecord => r !== undefined);
  }

  async read(stack: string): Promise<StackRecord | undefined> {
    const text = await readFile(join(this.dir, `${stack}.json`), "utf8").catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as StackRecord);
  }

  async require(stack: string): Promise<StackRecord> {
    const record = await this.read(stack);
    if (!record)
      throw new TugError("E_STACK_NOT_DEPLOYED", `stack "${stack}" was never deployed by this agent; deploy it first`);
    return record;
  }
}
