// How large a file Tugboat reads from a repository may be. The parsers are
// near-linear, but a commit is untrusted input and a sync runs on core's event
// loop: a multi-megabyte compose or TOML file is refused, not parsed.
import type { Diagnostics } from "./diagnostics.js";

/** Real compose and resource files are a few kilobytes; a file this big is a mistake or an attack. */
export const MAX_FILE_BYTES = 512 * 1024;

export function tooLarge(file: string, text: string, diagnostics: Diagnostics): boolean {
  const size = Buffer.byteLength(text);
  if (size <= MAX_FILE_BYTES) return false;
  diagnostics.error(
    "E_FILE_TOO_LARGE",
    `${file} is ${Math.round(size / 1024)} KiB; files Tugboat reads are limited to ${MAX_FILE_BYTES / 1024} KiB`,
    { file, line: 0, column: 0 },
  );
  return true;
}
