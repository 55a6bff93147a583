// One action per stack at a time: a second one is refused as busy, not queued
// (core queues; the agent must never run two compose commands on one project).
import { TugError } from "@tugboat/protocol";

export class StackLocks {
  private readonly held = new Map<string, string>();

  /** Takes the stack's lock or throws E_STACK_BUSY naming what holds it. */
  acquire(stack: string, action: string): () => void {
    const holder = this.held.get(stack);
    if (holder)
      throw new TugError("E_STACK_BUSY", `stack "${stack}" is busy: ${holder} is running; try again when it ends`);
    this.held.set(stack, action);
    return () => {
      this.held.delete(stack);
    };
  }

  /** The stacks with an action running, as "stack (action)". */
  busy(): string[] {
    return [...this.held].map(([stack, action]) => `${stack} (${action})`);
  }
}
