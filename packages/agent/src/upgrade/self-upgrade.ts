// The agent replaces its own single-file build with one core sends: the bytes
// must hash to the SHA-256 core publishes and the new file must run and name
// the version claimed; then it is renamed over the old one (kept for a
// rollback) and the agent exits for its supervisor (systemd) to start it again.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { copyFile, rename, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { basename, dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { TugError } from "@tugboat/protocol";

/** The build this agent runs from, when it runs from one. */
export interface SelfBuild {
  file: string;
  version: string;
}

export interface UpgradeOptions {
  self: SelfBuild | undefined;
  /** Under systemd (INVOCATION_ID) or another supervisor that says so (TUG_AGENT_SUPERVISED=1). */
  supervised: boolean;
  /** Stacks with an action running (an upgrade waits for none). */
  busy: () => string[];
}

/** Where the build an upgrade replaced is kept: tugboat-agent.previous.mjs (node runs .mjs files only as modules). */
export const previousOf = (file: string) => file.replace(/(\.mjs)?$/, ".previous.mjs");

const MAX_BUILD_BYTES = 64 * 1024 * 1024;
const VERSION = /^[0-9A-Za-z.+-]{1,64}$/;
const CHECK_MS = 20_000;

function ready(options: UpgradeOptions): SelfBuild {
  if (!options.self)
    throw new TugError(
      "E_CONFLICT",
      "this agent does not run from a single-file build (tugboat-agent.mjs); upgrade it the way it was installed",
    );
  if (!options.supervised)
    throw new TugError(
      "E_CONFLICT",
      "this agent is not run by systemd (or a supervisor that sets TUG_AGENT_SUPERVISED=1): after replacing itself it would not come back",
    );
  const busy = options.busy();
  if (busy.length > 0)
    throw new TugError("E_STACK_BUSY", `stacks are busy (${busy.join(", ")}); try again when they end`);
  return options.self;
}

/** The line of a Node crash that names the error (not the source excerpt above it). */
function firstError(stderr: string): string {
  const lines = stderr.split("\n").map((line) => line.trim());
  return (lines.find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? lines.find(Boolean) ?? "").slice(0, 300);
}

/** Runs `file --version` with the agent's node; resolves with what it printed. */
function versionOf(file: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [file, "--version"], { timeout: CHECK_MS, maxBuffer: 4096 }, (error, stdout, stderr) =>
      error ? reject(new Error(firstError(stderr) || error.message)) : resolve(stdout.trim()),
    ),
  );
}

/** Receives a new build in the request body; replaces the running file. */
export async function receiveBuild(
  request: IncomingMessage,
  options: UpgradeOptions,
): Promise<{ from: string; to: string }> {
  const self = ready(options);
  const sha256 = String(request.headers["x-tugboat-sha256"] ?? "");
  const version = String(request.headers["x-tugboat-version"] ?? "");
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TugError("E_INVALID_REQUEST", "x-tugboat-sha256: a SHA-256 in hex");
  if (!VERSION.test(version)) throw new TugError("E_INVALID_REQUEST", "x-tugboat-version: a version such as 0.2.0");
  const length = Number(request.headers["content-length"] ?? Number.NaN);
  if (!(length > 0 && length <= MAX_BUILD_BYTES))
    throw new TugError("E_INVALID_REQUEST", `a build of 1 byte to ${MAX_BUILD_BYTES} bytes, with its content-length`);

  // Next to the running file, so the rename that replaces it is atomic.
  const upload = join(dirname(self.file), `.upload-${randomBytes(4).toString("hex")}-${basename(self.file)}`);
  const hash = createHash("sha256");
  let received = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > length)
        return done(new TugError("E_INVALID_REQUEST", "the body is longer than its content-length"));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(request, counting, createWriteStream(upload, { mode: 0o755, flags: "wx" }));
    const actual = hash.digest("hex");
    if (received !== length) throw new TugError("E_INVALID_REQUEST", `received ${received} of ${length} bytes`);
    if (actual !== sha256)
      throw new TugError(
        "E_INVALID_REQUEST",
        `the build's SHA-256 is ${actual}, not the published ${sha256}: refused; still running ${self.version}`,
      );
    const claimed = await versionOf(upload).catch((error: Error) => {
      throw new TugError(
        "E_INVALID_REQUEST",
        `the new build does not run: ${error.message}; still running ${self.version}`,
      );
    });
    if (claimed !== version)
      throw new TugError("E_INVALID_REQUEST", `the new build says it is ${claimed}, not ${version}: refused`);
    await copyFile(self.file, previousOf(self.file));
    await rename(upload, self.file);
    return { from: self.version, to: version };
  } finally {
    await rm(upload, { force: true });
  }
}

/** Puts the build kept by the last upgrade back. */
export async function rollBack(options: UpgradeOptions): Promise<{ from: string; to: string }> {
  const self = ready(options);
  const previous = previousOf(self.file);
  if (!existsSync(previous)) throw new TugError("E_NOT_FOUND", `no previous build (${previous}) to roll back to`);
  const version = await versionOf(previous).catch((error: Error) => {
    throw new TugError("E_CONFLICT", `the previous build does not run: ${error.message}`);
  });
  await rename(previous, self.file);
  return { from: self.version, to: version };
}
