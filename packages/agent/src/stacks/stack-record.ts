// What the agent remembers about a stack it deployed, so stop/start/down/logs
// work without core resending the whole deploy: one JSON file per stack.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { TugError } from "@tugboat/protocol";
import type { ComposeProject } from "../compose/command.js";

export interface StackRecord extends ComposeProject {
  stack: string;
  commit: string;
  /** Absolute run directory: compose runs here. */
  cwd: string;
  ignoreServices: string[];
}

export class StackRecords {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, "state");
  }

  async write(record: StackRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${record.stack}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
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
