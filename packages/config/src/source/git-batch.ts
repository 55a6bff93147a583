// One long-lived `git cat-file --batch`: objects asked for by name, answered
// in order. A commit's listing and its files' contents come through it, so
// opening a commit costs one git process.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { spawnGit } from "@tugboat/git";

export interface GitObject {
  oid: string;
  type: string;
  data: Buffer;
}

/** A read waits this long at most: a repository on a hung disk must not hold a sync forever. */
const READ_TIMEOUT_MS = 300_000;

export class GitBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<{ name: string; resolve: (object: GitObject) => void; reject: (e: Error) => void }> =
    [];
  private buffer: Buffer = Buffer.alloc(0);
  private failed: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When git last answered (or was first asked, after a quiet spell). */
  private lastAnswer = 0;

  constructor(
    repository: string,
    private readonly timeoutMs = READ_TIMEOUT_MS,
  ) {
    this.child = spawnGit(["-C", repository, "cat-file", "--batch"]);
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    // stdin's own errors (EPIPE once git has gone) are reported by its exit.
    this.child.stdin.on("error", () => undefined);
    this.child.on("error", (error) => this.failAll(error));
    this.child.on("exit", () => this.failAll(new Error("git cat-file exited")));
  }

  /**
   * The object `name` names (an object id, or a revision such as
   * `main^{commit}`); rejects when there is none. A name is one line to git:
   * one holding a line break is refused, never sent.
   */
  read(name: string): Promise<GitObject> {
    if (/[\n\r\0]/.test(name)) return Promise.reject(new Error(`${JSON.stringify(name)} is not an object name`));
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.lastAnswer = performance.now();
      this.waiting.push({ name, resolve, reject });
      this.child.stdin.write(`${name}\n`);
      this.timer ??= setTimeout(() => this.check(), this.timeoutMs).unref();
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.signalCode === null)
      await new Promise((resolve) => this.child.once("exit", resolve));
  }

  private drain() {
    for (;;) {
      const waiter = this.waiting[0];
      const newline = this.buffer.indexOf(10);
      if (!waiter || newline < 0) return;
      const header = this.buffer.subarray(0, newline).toString("utf8");
      // `NAME missing`, `NAME ambiguous`: no contents follow.
      const none = / (missing|ambiguous)$/.exec(header);
      if (none) {
        this.buffer = this.buffer.subarray(newline + 1);
        this.settled();
        waiter.reject(new Error(`${waiter.name} is ${none[1]} in this repository`));
        continue;
      }
      const [oid = "", type = "", size = ""] = header.split(" ");
      const length = Number(size);
      if (this.buffer.length < newline + 1 + length + 1) return;
      const data = Buffer.from(this.buffer.subarray(newline + 1, newline + 1 + length));
      this.buffer = this.buffer.subarray(newline + 1 + length + 1);
      this.settled();
      waiter.resolve({ oid, type, data });
    }
  }

  /** One answer came: the deadline now runs for the next one (a timer per read costs more than the read). */
  private settled() {
    this.waiting.shift();
    this.lastAnswer = performance.now();
  }

  private check() {
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const quiet = performance.now() - this.lastAnswer;
    if (quiet < this.timeoutMs) {
      this.timer = setTimeout(() => this.check(), this.timeoutMs - quiet).unref();
      return;
    }
    this.failAll(new Error(`git cat-file did not answer within ${this.timeoutMs / 1000} s`));
    this.child.kill();
  }

  private failAll(error: Error) {
    this.failed ??= error;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
