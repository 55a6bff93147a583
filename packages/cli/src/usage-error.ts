// A problem with how tug was called or with reading its inputs: exit code 2.
export class UsageError extends Error {
  override readonly name = "UsageError";
}
