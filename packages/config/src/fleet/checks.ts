// Uptime checks of a stack: HTTP(S) and TCP probes the agent runs on the
// host, declared per stack in TOML (`[[stack.config.checks]]`) or on a
// service by label (`tugboat.check.http`, …). Targets are the host's own
// addresses and its containers' only: an IP literal or `localhost`, never a
// name a DNS answer could point elsewhere. The agent enforces the same rule.
import { isIP } from "node:net";
import { z } from "zod";
import type { ComposeDocument } from "../compose/parse-compose.js";
import type { Diagnostics, Location } from "../diagnostics.js";

export interface UptimeCheck {
  name: string;
  /** The service whose label declared it. */
  service?: string;
  kind: "http" | "tcp";
  /** `http(s)://host:port/path` or `host:port`. */
  target: string;
  intervalSeconds: number;
  /** The HTTP status expected; null: any 2xx or 3xx. */
  expectStatus: number | null;
  /** Text the HTTP body must contain ("" for none). */
  expectBody: string;
  /** Failures in a row before CheckFailed opens. */
  failures: number;
  timeoutSeconds: number;
}

/** `30`, `"30s"`, `"5m"`, `"1h"` → seconds. */
const Duration = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(s|m|h)?$/, "a duration such as 30s, 5m or 1h")
    .transform((text) => {
      const unit = text.at(-1) ?? "";
      const scale = unit === "m" ? 60 : unit === "h" ? 3600 : 1;
      return Number.parseInt(text, 10) * scale;
    }),
]);

export const CheckConfig = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "letters, digits, _ . - (at most 63)")
      .optional(),
    http: z.string().optional(),
    tcp: z.string().optional(),
    interval: Duration.default(60),
    expect_status: z.number().int().min(100).max(599).optional(),
    expect_body: z.string().max(1024).default(""),
    failures: z.number().int().min(1).max(100).default(3),
    // Under core's 30 s deadline for the agent's answer to a round's checks.
    timeout: Duration.refine((seconds) => seconds <= 20, "at most 20 s").default(5),
  })
  .strict();
export type CheckConfig = z.infer<typeof CheckConfig>;

const LABEL = "tugboat.check.";
const LABEL_FIELDS = ["http", "tcp", "interval", "expect_status", "expect_body", "failures", "timeout", "name"];

/** Why a target may not be checked, or undefined when it may. */
export function checkTargetProblem(kind: "http" | "tcp", target: string): string | undefined {
  let host: string;
  if (kind === "http") {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return `"${target}" is not a URL`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `"${target}" is not http:// or https://`;
    if (url.username || url.password) return `"${target}" holds credentials; checks send none`;
    host = url.hostname.replace(/^\[|\]$/g, "");
  } else {
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
    if (!match) return `"${target}" is not host:port`;
    host = (match[1] ?? "").replace(/^\[|\]$/g, "");
  }
  if (host !== "localhost" && isIP(host) === 0)
    return `"${host}" is a name: a check targets an IP address of the host or of one of its containers (or localhost), so DNS cannot point it elsewhere`;
  return undefined;
}

function toCheck(config: CheckConfig, fallbackName: string, service?: string): UptimeCheck | string {
  if ((config.http === undefined) === (config.tcp === undefined)) return "give exactly one of http or tcp";
  const kind = config.http !== undefined ? "http" : "tcp";
  const target = (config.http ?? config.tcp ?? "").trim();
  const problem = checkTargetProblem(kind, target);
  if (problem) return problem;
  return {
    name: config.name ?? fallbackName,
    ...(service ? { service } : {}),
    kind,
    target,
    intervalSeconds: config.interval,
    expectStatus: config.expect_status ?? null,
    expectBody: config.expect_body,
    failures: config.failures,
    timeoutSeconds: Math.min(config.timeout, config.interval),
  };
}

/** The checks `[[stack.config.checks]]` declares (already shaped by the schema). */
export function tomlChecks(
  stack: string,
  configs: readonly CheckConfig[],
  locate: (index: number) => Location,
  diagnostics: Diagnostics,
): UptimeCheck[] {
  const out: UptimeCheck[] = [];
  configs.forEach((config, index) => {
    const check = toCheck(config, `check-${index + 1}`);
    if (typeof check === "string")
      diagnostics.error(
        "E_INVALID_CHECK",
        `stack "${stack}": check ${index + 1}: ${check}`,
        locate(index),
        "stack.config.checks",
      );
    else out.push(check);
  });
  return out;
}

function labelsOf(service: unknown): Record<string, string> {
  const labels = (service as { labels?: unknown } | null)?.labels;
  if (Array.isArray(labels))
    return Object.fromEntries(
      labels
        .filter((l): l is string => typeof l === "string")
        .map((l) => (l.includes("=") ? [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] : [l, ""])),
    );
  if (typeof labels === "object" && labels !== null)
    return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  return {};
}

/** The checks the services of one compose file declare by label; one per service, named after it. */
export function labelChecks(stack: string, compose: ComposeDocument, diagnostics: Diagnostics): UptimeCheck[] {
  const services = compose.value.services;
  if (typeof services !== "object" || services === null) return [];
  const out: UptimeCheck[] = [];
  for (const [service, body] of Object.entries(services)) {
    const labels = labelsOf(body);
    const fields = Object.keys(labels).filter((key) => key.startsWith(LABEL));
    if (fields.length === 0) continue;
    const at = compose.locate(["services", service, "labels"]);
    const unknown = fields.filter((key) => !LABEL_FIELDS.includes(key.slice(LABEL.length)));
    if (unknown.length > 0) {
      diagnostics.error(
        "E_INVALID_CHECK",
        `stack "${stack}": service ${service}: unknown label ${unknown.join(", ")} (known: ${LABEL_FIELDS.map((f) => LABEL + f).join(", ")})`,
        at,
      );
      continue;
    }
    const raw: Record<string, unknown> = {};
    for (const key of fields) {
      const field = key.slice(LABEL.length);
      const value = labels[key] ?? "";
      raw[field] = ["expect_status", "failures"].includes(field) && /^\d+$/.test(value) ? Number(value) : value;
    }
    if (Object.values(raw).some((value) => typeof value === "string" && value.includes("${"))) {
      diagnostics.warning(
        "W_CHECK_NOT_RUN",
        `stack "${stack}": service ${service}: a tugboat.check.* label uses a variable; checks are read as written, so this one is not run`,
        at,
      );
      continue;
    }
    const parsed = CheckConfig.safeParse(raw);
    const check = parsed.success
      ? toCheck(parsed.data, service, service)
      : parsed.error.issues.map((i) => `${LABEL}${i.path.join(".")}: ${i.message}`).join("; ");
    if (typeof check === "string")
      diagnostics.error("E_INVALID_CHECK", `stack "${stack}": service ${service}: ${check}`, at);
    else out.push(check);
  }
  return out;
}

/** Adds checks to a stack; one of the same name (a later compose file's label) replaces the earlier. */
export function addChecks(stack: { checks: UptimeCheck[] }, checks: readonly UptimeCheck[]): void {
  for (const check of checks) {
    stack.checks = [...stack.checks.filter((c) => c.name !== check.name), check];
  }
}
