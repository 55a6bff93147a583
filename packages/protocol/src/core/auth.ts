// Core API: logging in and out (password, two-factor, OIDC), who you are,
// sessions, API keys, users, two-factor enrolment and the audit trail.
import { z } from "zod";

/** `user`: only what user groups grant (Komodo's non-admin user). */
export const Role = z.enum(["viewer", "operator", "admin", "user"]);
export type Role = z.infer<typeof Role>;

const Level = z.enum(["None", "Read", "Execute", "Write"]);

export const LoginRequest = z.object({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  /** A TOTP code or a recovery code, for a user with two-factor. */
  code: z.string().max(64).optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;
/** The token is for the API and CLI; the browser gets the session as a cookie. */
export const LoginResponse = z.object({ token: z.string(), csrfToken: z.string() });

/** What the login page offers. */
export const AuthOptionsView = z.object({
  password: z.boolean(),
  oidc: z.object({ name: z.string(), url: z.string() }).nullable(),
});
export type AuthOptionsView = z.infer<typeof AuthOptionsView>;

export const MeView = z.object({
  username: z.string(),
  role: Role,
  source: z.enum(["local", "oidc"]),
  /** The user groups the user is in. */
  groups: z.array(z.string()),
  totp: z.boolean(),
  /** Set when the caller is an API key narrowed to a level. */
  maxLevel: Level.nullable(),
});
export type MeView = z.infer<typeof MeView>;

export const ApiKeyRequest = z.object({
  name: z.string().trim().min(1, "give the key a name").max(128),
  expiresInDays: z.number().positive().max(3650).optional(),
  /** The key acts as you, up to this level: "Read" (look only) or "Execute" (no configuration changes). */
  maxLevel: z.enum(["Read", "Execute"]).optional(),
});

/** The key itself is in this reply only: core keeps its hash. */
export const ApiKeyCreated = z.object({
  id: z.number(),
  name: z.string(),
  key: z.string(),
  expiresAt: z.string().nullable(),
  maxLevel: Level.nullable(),
});

export const ApiKeyView = z.object({
  id: z.number(),
  name: z.string(),
  username: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  maxLevel: Level.nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const SessionView = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string(),
  userAgent: z.string(),
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionView>;

export const SessionParams = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, "a session id") });

export const TotpEnrolment = z.object({ secret: z.string(), uri: z.string() });
export const TotpConfirmRequest = z.object({ code: z.string().min(6).max(16) });
export const RecoveryCodes = z.object({ recoveryCodes: z.array(z.string()) });

export const UserView = z.object({
  username: z.string(),
  role: Role,
  source: z.enum(["local", "oidc"]),
  totp: z.boolean(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof UserView>;
export type TotpEnrolment = z.infer<typeof TotpEnrolment>;
export const UserCreateRequest = z.object({
  username: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9._@-]+$/, "letters, digits and . _ @ -"),
  password: z.string().min(12, "at least 12 characters").max(1024),
  role: Role,
});
export const UserRoleRequest = z.object({ role: Role });
export const UsernameParams = z.object({ username: z.string().min(1).max(256) });

export const AuditQuery = z.object({
  actor: z.string().optional(),
  action: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const AuditView = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(["ok", "denied", "failed"]),
  source: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditView = z.infer<typeof AuditView>;

export const Done = z.object({ ok: z.literal(true) });
