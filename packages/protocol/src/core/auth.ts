// Core API: logging in and out, who you are, API keys.
import { z } from "zod";

export const Role = z.enum(["viewer", "operator", "admin"]);
export type Role = z.infer<typeof Role>;

export const LoginRequest = z.object({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;
export const LoginResponse = z.object({ token: z.string() });

export const MeView = z.object({ username: z.string(), role: Role });
export type MeView = z.infer<typeof MeView>;

export const ApiKeyRequest = z.object({
  name: z.string().trim().min(1, "give the key a name").max(128),
  expiresInDays: z.number().positive().max(3650).optional(),
});

/** The key itself is in this reply only: core keeps its hash. */
export const ApiKeyCreated = z.object({
  id: z.number(),
  name: z.string(),
  key: z.string(),
  expiresAt: z.string().nullable(),
});

export const ApiKeyView = z.object({
  id: z.number(),
  name: z.string(),
  username: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const Done = z.object({ ok: z.literal(true) });
