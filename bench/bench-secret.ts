// A passkey or password for a bench's core: random, as real ones are. Core masks its
// secrets in every reply; a word such as "bench" also appears in the benches'
// temporary paths, which sent every reply down the masking path.
import { randomBytes } from "node:crypto";

export const benchSecret = (): string => randomBytes(16).toString("hex");
