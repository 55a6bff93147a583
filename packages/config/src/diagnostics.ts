// Problems found in a fleet repository, returned as data: every problem is
// collected, none stops the others from being found.

export type Severity = "error" | "warning";

export interface Location {
  /** Path relative to the repository root, with `/` separators. */
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
}

export interface Diagnostic extends Location {
  severity: Severity;
  /** Stable code, e.g. `E_UNKNOWN_SERVER` or `W_UNKNOWN_FIELD`. */
  code: string;
  message: string;
  /** The field the problem is about, when there is one (`stack.config.server`). */
  field?: string;
  /**
   * Set when the problem was found reading another repository a stack reads
   * (`url#branch`); `file` is then `url#branch:path` when it is in that one.
   * It invalidates that repository's commit: core deploys nothing from it.
   */
  repository?: string;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];
  /** Findings of lints that are off, by lint: summarised, not listed. */
  readonly suppressed = new Map<string, number>();

  suppress(lint: string): void {
    this.suppressed.set(lint, (this.suppressed.get(lint) ?? 0) + 1);
  }

  error(code: string, message: string, at: Location, field?: string): void {
    this.items.push({ severity: "error", code, message, ...pick(at), ...(field ? { field } : {}) });
  }

  warning(code: string, message: string, at: Location, field?: string): void {
    this.items.push({ severity: "warning", code, message, ...pick(at), ...(field ? { field } : {}) });
  }

  get errors(): Diagnostic[] {
    return sortDiagnostics(this.items.filter((item) => item.severity === "error"));
  }

  get warnings(): Diagnostic[] {
    return sortDiagnostics(this.items.filter((item) => item.severity === "warning"));
  }
}

function pick(at: Location): Location {
  return { file: at.file, line: at.line, column: at.column };
}

export function sortDiagnostics(items: readonly Diagnostic[]): Diagnostic[] {
  return [...items].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code),
  );
}

/** Compiler-style one-liner: `syncs/stacks-apollo.toml:12:1 error unknown server "apolo"`. */
export function formatDiagnostic(item: Diagnostic): string {
  const where = item.line > 0 ? `${item.file}:${item.line}:${Math.max(item.column, 1)}` : item.file;
  return `${where} ${item.severity} ${item.message}`;
}
