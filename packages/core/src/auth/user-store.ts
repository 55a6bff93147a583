// Users (argon2id password hashes), sessions and API keys. Tokens are random
// and stored only as SHA-256 hashes; an API key is shown once, when created.
import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Db } from "../db/open-database.js";

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  userId: number;
  username: string;
  role: Role;
  via: "session" | "api_key";
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
const now = () => new Date().toISOString();

/**
 * Verified against when the username does not exist, so a wrong username
 * costs the same argon2 time as a wrong password and login time reveals
 * nothing about which users exist.
 */
let decoyHash: Promise<string> | undefined;
const decoy = () => {
  decoyHash ??= hash(randomBytes(16).toString("hex"));
  return decoyHash;
};

export interface ApiKeyRow {
  id: number;
  name: string;
  username: string;
  createdAt: string;
  expiresAt: string | null;
}

export class UserStore {
  constructor(private readonly db: Db) {}

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async create(username: string, password: string, role: Role): Promise<number> {
    const passwordHash = await hash(password); // argon2id with the library's defaults
    const row = await this.db
      .insertInto("users")
      .values({ username, password_hash: passwordHash, role, created_at: now() })
      .returning("id")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A new session token for a correct username and password; undefined otherwise. */
  async login(username: string, password: string, hours: number): Promise<string | undefined> {
    const user = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    const matches = await verify(user?.password_hash ?? (await decoy()), password).catch(() => false);
    if (!user || !matches) return undefined;
    const token = `tgs_${randomBytes(32).toString("base64url")}`;
    await this.db
      .insertInto("sessions")
      .values({
        token_hash: tokenHash(token),
        user_id: user.id,
        expires_at: new Date(Date.now() + hours * 3600_000).toISOString(),
      })
      .execute();
    return token;
  }

  /** Ends the session a token belongs to (an API key is revoked by id instead). */
  async logout(token: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("token_hash", "=", tokenHash(token)).execute();
  }

  /** Removes sessions past their expiry; returns how many. */
  async purgeExpiredSessions(): Promise<number> {
    const result = await this.db.deleteFrom("sessions").where("expires_at", "<=", now()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async createApiKey(userId: number, name: string, expiresAt: string | null): Promise<{ id: number; key: string }> {
    const key = `tgk_${randomBytes(32).toString("base64url")}`;
    const row = await this.db
      .insertInto("api_keys")
      .values({ name, key_hash: tokenHash(key), user_id: userId, expires_at: expiresAt, created_at: now() })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { id: row.id, key };
  }

  /** API keys of one user, or of everyone (`userId` undefined); never the keys themselves. */
  async listApiKeys(userId?: number): Promise<ApiKeyRow[]> {
    let query = this.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .select(["api_keys.id", "api_keys.name", "users.username", "api_keys.created_at", "api_keys.expires_at"])
      .orderBy("api_keys.id");
    if (userId !== undefined) query = query.where("api_keys.user_id", "=", userId);
    return (await query.execute()).map((r) => ({
      id: r.id,
      name: r.name,
      username: r.username,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
    }));
  }

  /** Deletes an API key; `userId` limits it to that user's keys. True when one was deleted. */
  async revokeApiKey(id: number, userId?: number): Promise<boolean> {
    let query = this.db.deleteFrom("api_keys").where("id", "=", id);
    if (userId !== undefined) query = query.where("user_id", "=", userId);
    return Number((await query.executeTakeFirst()).numDeletedRows) > 0;
  }

  /** Who a bearer token (session or API key) belongs to, if it is valid and unexpired. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const hashed = tokenHash(token);
    const time = now();
    const session = await this.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select(["users.id", "users.username", "users.role", "sessions.expires_at"])
      .where("sessions.token_hash", "=", hashed)
      .executeTakeFirst();
    if (session && session.expires_at > time)
      return { userId: session.id, username: session.username, role: session.role as Role, via: "session" };
    if (session) return undefined; // expired; purged by the next sweep
    const key = await this.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .select(["users.id", "users.username", "users.role", "api_keys.expires_at"])
      .where("api_keys.key_hash", "=", hashed)
      .executeTakeFirst();
    if (key && (key.expires_at === null || key.expires_at > time))
      return { userId: key.id, username: key.username, role: key.role as Role, via: "api_key" };
    return undefined;
  }
}
