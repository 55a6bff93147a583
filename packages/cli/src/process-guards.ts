// For the long-running commands (tug core, tug agent): a promise that
// rejects with nobody listening is a bug, but not a reason to stop deploying
// the fleet. It is logged with its stack, and the process goes on.
export function logUnhandledRejections(name: string): void {
  process.on("unhandledRejection", (reason) => {
    const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    console.error(`${name}: unhandled rejection (still running; please report it): ${detail}`);
  });
}
