// A backup file: a gzipped tar of manifest.json, the database copy and core's
// key, optionally encrypted to an age recipient (streamed through `age`).
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { TugError } from "@tugboat/protocol";
import tar from "tar-stream";

export const AGE_HEADER = "age-encryption.org/v1";

/** The files an archive may hold; anything else in one is refused. */
export const ARCHIVE_ENTRIES = ["manifest.json", "database.sqlite", "database.pgdump", "core.key"] as const;
export type ArchiveEntry = (typeof ARCHIVE_ENTRIES)[number];

export interface WriteArchiveOptions {
  file: string;
  /** Entry name → the file to put there. */
  entries: Partial<Record<ArchiveEntry, string>>;
  manifest: unknown;
  /** age1… : the archive is encrypted to it. */
  ageRecipient?: string;
}

export async function writeArchive(options: WriteArchiveOptions): Promise<void> {
  const pack = tar.pack();
  const gzip = createGzip();
  const sink = createWriteStream(options.file, { mode: 0o600, flags: "wx" });
  if (!options.ageRecipient) {
    await Promise.all([fill(pack, options), pipeline(pack as unknown as Readable, gzip, sink)]);
    return;
  }
  const age = ageProcess(["--encrypt", "--recipient", options.ageRecipient]);
  await Promise.all([
    fill(pack, options),
    pipeline(pack as unknown as Readable, gzip, age.stdin),
    pipeline(age.stdout, sink),
    age.exited,
  ]);
}

/** Writes the entries into `pack`; on a failure the pack is destroyed, so the pipeline reading it ends too. */
async function fill(pack: tar.Pack, options: WriteArchiveOptions): Promise<void> {
  try {
    await addEntries(pack, options);
  } catch (error) {
    pack.destroy(error as Error);
    throw error;
  }
}

async function addEntries(pack: tar.Pack, options: WriteArchiveOptions): Promise<void> {
  const manifest = Buffer.from(`${JSON.stringify(options.manifest, null, 2)}\n`);
  pack.entry({ name: "manifest.json", size: manifest.length, mode: 0o600 }, manifest);
  for (const [name, path] of Object.entries(options.entries)) {
    const { size } = await stat(path);
    const entry = pack.entry({ name, size, mode: 0o600 });
    await pipeline(createReadStream(path), entry);
  }
  pack.finalize();
}

export async function isEncrypted(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(AGE_HEADER.length);
    await handle.read(head, 0, head.length, 0);
    return head.toString() === AGE_HEADER;
  } finally {
    await handle.close();
  }
}

/**
 * Unpacks an archive into `dir` (which must be empty). An encrypted one needs
 * `identityFile`. Returns the entries found.
 */
export async function readArchive(file: string, dir: string, identityFile?: string): Promise<Set<ArchiveEntry>> {
  let source: Readable = createReadStream(file);
  let age: ReturnType<typeof ageProcess> | undefined;
  if (await isEncrypted(file)) {
    if (!identityFile)
      throw new TugError("E_INVALID_REQUEST", `${file} is encrypted with age: give the identity file (--identity)`);
    age = ageProcess(["--decrypt", "--identity", identityFile]);
    const encrypted = source;
    source = age.stdout;
    pipeline(encrypted, age.stdin).catch((error: Error) => age?.stdout.destroy(error));
  }
  try {
    const found = await unpack(file, source, dir);
    await age?.exited;
    return found;
  } catch (error) {
    if (age) await age.exited; // a wrong identity: age's own message says so
    throw error;
  }
}

async function unpack(file: string, source: Readable, dir: string): Promise<Set<ArchiveEntry>> {
  const found = new Set<ArchiveEntry>();
  const extract = tar.extract();
  const unpacking = pipeline(source, createGunzip(), extract);
  unpacking.catch(() => undefined); // awaited below; the loop may throw first
  for await (const entry of extract) {
    const name = entry.header.name as ArchiveEntry;
    if (!ARCHIVE_ENTRIES.includes(name) || entry.header.type !== "file" || found.has(name)) {
      entry.resume();
      throw new TugError(
        "E_INVALID_REQUEST",
        `${file}: unexpected entry ${JSON.stringify(entry.header.name)}: not a Tugboat backup`,
      );
    }
    found.add(name);
    await pipeline(entry, createWriteStream(join(dir, name), { mode: 0o600, flags: "wx" }));
  }
  await unpacking;
  if (!found.has("manifest.json"))
    throw new TugError("E_INVALID_REQUEST", `${file}: no manifest.json: not a Tugboat backup`);
  return found;
}

function ageProcess(args: string[]) {
  const child = spawn("age", args, { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => {
    if (err.length < 4096) err += chunk.toString();
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new TugError("E_EXEC_FAILED", "age is not installed (Debian: apt-get install age)")
          : error,
      ),
    );
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`age exited ${code}: ${err.trim()}`))));
  });
  exited.catch(() => undefined); // observed by the caller's Promise.all
  return { stdin: child.stdin, stdout: child.stdout, exited };
}
