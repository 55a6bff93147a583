// Sessions and who a token belongs to. A session ends at its absolute expiry
// or after `idle` without a request, whichever comes first; each one records
// where it came from so its user can list and end them. Tokens are stored as
// SHA-256 hashes; a session's public id is a prefix of that hash.
import { randomBytes } from "node:crypto";
import type { PermissionLevel } from "@tugboat/config";
import type { Db } from "../db/open-database.js";
import type { Role } from "./permissions.js";
import { tokenHash } from "./user-store.js";

export interface Principal {
  userId: number;
  username: string;
  role: Role;
  via: "session" | "api_key";
  /** The group claim of the user's last OIDC login. */
  claimGroups: string[];
  /** An API key narrowed to a level. */
  maxLevel?: PermissionLevel | undefined;
  /** The session's public id (sessions only). */
  sessionId?: string;
}

export interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
}

interface Meta {
  ip: string;
  userAgent: string;
}

const ID_LENGTH = 16;

/** The user a session or key belongs to, from its row joined with `users`. */
const principalOf = (user: { id: number; username: string; role: string; oidc_groups: string }) => ({
  userId: user.id,
  username: user.username,
  role: user.role as Role,
  claimGroups: JSON.parse(user.oidc_groups) as string[],
});
/** `last_seen_at` is written at most this often per session. */
const TOUCH_MS = 30_000;

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly lifetime: { absoluteMs: number; idleMs: number },
    /** Signs the CSRF tokens of browser sessions. */
    readonly csrfKey: Buffer,
  ) {}

  /** A new session for a user who has proven who they are. */
  async open(userId: number, meta: Meta): Promise<{ token: string; id: string }> {
    const token = `tgs_${randomBytes(32).toString("base64url")}`;
    const hashed = tokenHash(token);
    const at = new Date();
    await this.db
      .insertInto("sessions")
      .values({
        token_hash: hashed,
        user_id: userId,
        created_at: at.toISOString(),
        last_seen_at: at.toISOString(),
        expires_at: new Date(at.getTime() + this.lifetime.absoluteMs).toISOString(),
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 300),
      })
      .execute();
    return { token, id: hashed.slice(0, ID_LENGTH) };
  }

  /** Ends the session a token belongs to. */
  async close(token: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("token_hash", "=", tokenHash(token)).execute();
  }

  async list(userId: number): Promise<SessionRow[]> {
    const rows = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .execute();
    return rows
      .filter((row) => this.live(row))
      .map((row) => ({
        id: row.token_hash.slice(0, ID_LENGTH),
        createdAt: row.created_at,
        lastSeenAt: row.last_seen_at,
        expiresAt: this.endsAt(row),
        ip: row.ip,
        userAgent: row.user_agent,
      }));
  }

  /** Ends one session of a user by its public id; true when there was one. */
  async revoke(userId: number, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{16}$/.test(id)) return false;
    const result = await this.db
      .deleteFrom("sessions")
      .where("user_id", "=", userId)
      .where("token_hash", "like", `${id}%`)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Ends every session of a user (role changed, user removed, by an admin). */
  async revokeAll(userId: number): Promise<number> {
    const result = await this.db.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Removes sessions past their absolute or idle expiry; returns how many. */
  async purgeExpired(): Promise<number> {
    const now = new Date().toISOString();
    const idleSince = new Date(Date.now() - this.lifetime.idleMs).toISOString();
    const result = await this.db
      .deleteFrom("sessions")
      .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", idleSince)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Who a bearer token (session or API key) belongs to, if it is valid and unexpired. */
  async authenticate(token: string, meta: Meta): Promise<Principal | undefined> {
    const hashed = tokenHash(token);
    const session = await this.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select(["users.id", "users.username", "users.role", "users.oidc_groups"])
      .select(["sessions.expires_at", "sessions.last_seen_at", "sessions.ip"])
      .where("sessions.token_hash", "=", hashed)
      .executeTakeFirst();
    if (session) {
      if (!this.live(session)) return undefined; // purged by the next sweep
      if (Date.now() - Date.parse(session.last_seen_at) > TOUCH_MS || session.ip !== meta.ip)
        await this.db
          .updateTable("sessions")
          .set({ last_seen_at: new Date().toISOString(), ip: meta.ip })
          .where("token_hash", "=", hashed)
          .execute();
      return { ...principalOf(session), via: "session", sessionId: hashed.slice(0, ID_LENGTH) };
    }
    const key = await this.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .select(["users.id", "users.username", "users.role", "users.oidc_groups"])
      .select(["api_keys.expires_at", "api_keys.max_level"])
      .where("api_keys.key_hash", "=", hashed)
      .executeTakeFirst();
    if (!key || (key.expires_at !== null && key.expires_at <= new Date().toISOString())) return undefined;
    return {
      ...principalOf(key),
      via: "api_key",
      maxLevel: (key.max_level ?? undefined) as PermissionLevel | undefined,
    };
  }

  private live(row: { expires_at: string; last_seen_at: string }): boolean {
    return Date.now() < Date.parse(this.endsAt(row));
  }

  /** The earlier of the absolute expiry and the idle one. */
  private endsAt(row: { expires_at: string; last_seen_at: string }): string {
    const idleEnd = Date.parse(row.last_seen_at) + this.lifetime.idleMs;
    return new Date(Math.min(Date.parse(row.expires_at), idleEnd)).toISOString();
  }
}
