// One streamed stack action: numbered steps, every output line masked and
// forwarded, and a final result with each step's timing.

import { GitError } from "@tugboat/git";
import type { StreamEvent, StreamResult } from "@tugboat/protocol";
import { TugError } from "@tugboat/protocol";
import { ExecError, exec } from "../exec/exec.js";
import { maskerOf } from "../safety/secret-mask.js";

export type Emit = (event: StreamEvent) => void;

export class ActionRun {
  private readonly started = Date.now();
  private readonly steps: StreamResult["steps"] = [];
  private readonly warnings: string[] = [];
  private secrets: string[] = [];
  private masker: (text: string) => string = (text) => text;
  /** Prefixes step names: "rollback" while bringing back the last good deploy. */
  private phase = "";

  constructor(
    readonly emit: Emit,
    readonly action: string,
    readonly stack: string,
    secrets: readonly string[],
  ) {
    this.addSecrets(secrets);
  }

  addSecrets(secrets: readonly string[]): void {
    this.secrets = [...this.secrets, ...secrets];
    this.masker = maskerOf(this.secrets);
  }

  /** Names the steps that follow `phase: step` ("" ends the phase). */
  enter(phase: string): void {
    this.phase = phase;
  }

  private named(step: string): string {
    return this.phase ? `${this.phase}: ${step}` : step;
  }

  mask(text: string): string {
    return this.masker(text);
  }

  log(step: string, line: string, stream: "stdout" | "stderr" = "stdout"): void {
    this.emit({ type: "log", step: this.named(step), stream, line: this.mask(line) });
  }

  /** Something the operator should know that did not fail the action (a pull that did not work). */
  warn(step: string, text: string): void {
    const masked = this.mask(text);
    this.warnings.push(masked);
    this.emit({ type: "log", step: this.named(step), stream: "stderr", line: `warning: ${masked}` });
  }

  /** Runs one command as a named step; throws ExecError when it fails. */
  async command(
    step: string,
    argv: readonly string[],
    options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<void> {
    const name = this.named(step);
    this.emit({ type: "step", step: name, argv: argv.map((a) => this.mask(a)), at: new Date().toISOString() });
    const begun = Date.now();
    try {
      await exec(argv, {
        cwd: options.cwd,
        env: options.env,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        onLine: (stream, line) => this.log(step, line, stream),
      });
      this.steps.push({ step: name, durationMs: Date.now() - begun, exitCode: 0 });
    } catch (error) {
      this.steps.push({
        step: name,
        durationMs: Date.now() - begun,
        exitCode: error instanceof ExecError ? error.exitCode : null,
      });
      throw error;
    }
  }

  /** Runs work that is not a command (checkout, waiting) as a named step. */
  async task<T>(step: string, work: () => Promise<T>): Promise<T> {
    const name = this.named(step);
    this.emit({ type: "step", step: name, at: new Date().toISOString() });
    const begun = Date.now();
    try {
      return await work();
    } finally {
      this.steps.push({ step: name, durationMs: Date.now() - begun, exitCode: null });
    }
  }

  finish(outcome: {
    commit: string | null;
    error?: unknown;
    failures?: StreamResult["failures"];
    containers?: StreamResult["containers"];
    rolledBack?: StreamResult["rolledBack"];
  }): StreamResult {
    const error = outcome.error;
    const result: StreamResult = {
      type: "result",
      ok: error === undefined && (outcome.failures ?? []).length === 0,
      action: this.action,
      stack: this.stack,
      commit: outcome.commit,
      durationMs: Date.now() - this.started,
      failures: outcome.failures ?? [],
      warnings: this.warnings,
      steps: this.steps,
      containers: outcome.containers ?? [],
      ...(outcome.rolledBack ? { rolledBack: outcome.rolledBack } : {}),
      ...(error !== undefined
        ? {
            error: {
              code:
                error instanceof TugError || error instanceof ExecError || error instanceof GitError
                  ? error.code
                  : "E_INTERNAL",
              message: this.mask(error instanceof Error ? error.message : String(error)),
            },
          }
        : {}),
    };
    this.emit(result);
    return result;
  }
}
