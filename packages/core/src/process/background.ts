// Work core starts without waiting for it (a webhook's check, a poll tick, a
// delivery): its failure is logged with what it was, never left as an
// unhandled rejection that would take the process down.
export type Background = (what: string, work: Promise<unknown>) => void;

export function backgroundRunner(log: (line: string) => void): Background {
  return (what, work) => {
    work.catch((error: unknown) => log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`));
  };
}
