// Fields every resource kind shares, and the helpers the kinds are built with.
import { z } from "zod";

/** A TOML string list that Komodo also accepts as one comma- or newline-separated string. */
export const StringList = z.union([z.array(z.string()), z.string()]).transform((value) =>
  typeof value === "string"
    ? value
        .split(/[,\n]/)
        .map((item) => item.trim())
        .filter(Boolean)
    : value,
);

export const ResourceName = z.string().min(1, "name must not be empty").max(128, "name must be at most 128 characters");

export const ResourceBase = {
  name: ResourceName,
  description: z.string().default(""),
  tags: StringList.default([]),
};

/** Komodo fields on every resource that Tugboat reads but does not act on yet. */
export const UNSUPPORTED_BASE_FIELDS = ["template", "ui_defined"] as const;

export interface KindSpec {
  kind: string;
  /** The whole `[[kind]]` table, config included, with defaults applied. */
  schema: z.ZodType;
  /** Keys allowed at the top of the table (besides `config`). */
  topLevelKeys: readonly string[];
  /** Keys allowed in `[kind.config]`; undefined when the kind has no config table. */
  configKeys?: readonly string[];
  /** Komodo fields read without error and reported once as "not supported yet". */
  unsupportedTopLevel: readonly string[];
  unsupportedConfig: readonly string[];
  /**
   * Config fields read but not acted on yet, each with whether a value is
   * what Tugboat does anyway: any other value is reported once as "not
   * supported yet".
   */
  ignoredConfig?: Readonly<Record<string, (value: unknown) => boolean>>;
  /** Warnings about what a config table says as written (before defaults), each at the key it names. */
  configWarnings?: (config: Readonly<Record<string, unknown>>) => Array<{ key: string; code: string; message: string }>;
}

/** For `ignoredConfig`: the one value Tugboat behaves as. */
export const only =
  (honoured: unknown) =>
  (value: unknown): boolean =>
    value === honoured;

export function keysOf(shape: Record<string, unknown>): string[] {
  return Object.keys(shape);
}
