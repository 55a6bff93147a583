// Users (local ones with argon2id password hashes, OIDC ones provisioned on
// their first login) and API keys. Keys are random and stored only as SHA-256
// hashes; a key is shown once, when created.
import { createHash, randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { PermissionLevel } from "@tugboat/config";
import { TugError } from "@tugboat/protocol";
import type { Db } from "../db/open-database.js";
import type { Role } from "./permissions.js";

export const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
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

export interface UserRow {
  id: number;
  username: string;
  role: Role;
  source: "local" | "oidc";
  claimGroups: string[];
  totpEnabled: boolean;
  createdAt: string;
}

export interface ApiKeyRow {
  id: number;
  name: string;
  username: string;
  createdAt: string;
  expiresAt: string | null;
  maxLevel: PermissionLevel | null;
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

  /**
   * The user an OIDC login names, created on the first login; the role and
   * group claim are refreshed on every login. It is bound to the provider's
   * subject (`iss` and `sub`): someone who renames themselves at the provider
   * to an existing user's name does not become that user, and a local user
   * is never taken over.
   */
  async provisionOidc(username: string, subject: string, role: Role, claimGroups: string[]): Promise<UserRow> {
    const existing = await this.db
      .selectFrom("users")
      .select(["id", "source", "oidc_subject"])
      .where("username", "=", username)
      .executeTakeFirst();
    if (existing && existing.source !== "oidc")
      throw new TugError("E_FORBIDDEN", `${username} is a local user; an OIDC login cannot take it over`);
    if (existing?.oidc_subject && existing.oidc_subject !== subject)
      throw new TugError("E_FORBIDDEN", `${username} belongs to another account at the OIDC provider`);
    const values = { role, oidc_groups: JSON.stringify(claimGroups), oidc_subject: subject };
    if (existing) await this.db.updateTable("users").set(values).where("id", "=", existing.id).execute();
    else
      await this.db
        .insertInto("users")
        .values({ username, password_hash: "", source: "oidc", created_at: now(), ...values })
        .execute();
    const user = await this.byName(username);
    if (!user) throw new TugError("E_INTERNAL", `user ${username} was not stored`);
    return user;
  }

  /** The user for a correct username and password (local users only); undefined otherwise. */
  async checkPassword(username: string, password: string): Promise<UserRow | undefined> {
    const user = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    const stored = user?.source === "local" && user.password_hash ? user.password_hash : await decoy();
    const matches = await verify(stored, password).catch(() => false);
    return user && matches && user.source === "local" ? this.toRow(user) : undefined;
  }

  async byName(username: string): Promise<UserRow | undefined> {
    const user = await this.db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst();
    return user ? this.toRow(user) : undefined;
  }

  async byId(id: number): Promise<UserRow | undefined> {
    const user = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return user ? this.toRow(user) : undefined;
  }

  async list(): Promise<UserRow[]> {
    return (await this.db.selectFrom("users").selectAll().orderBy("username").execute()).map((u) => this.toRow(u));
  }

  async setRole(id: number, role: Role): Promise<void> {
    await this.db.updateTable("users").set({ role }).where("id", "=", id).execute();
  }

  /** Deletes a user with their sessions, API keys and recovery codes. */
  async remove(id: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const table of ["sessions", "api_keys", "recovery_codes"] as const)
        await tx.deleteFrom(table).where("user_id", "=", id).execute();
      await tx.deleteFrom("users").where("id", "=", id).execute();
    });
  }

  async createApiKey(
    userId: number,
    name: string,
    expiresAt: string | null,
    maxLevel: PermissionLevel | null,
  ): Promise<{ id: number; key: string }> {
    const key = `tgk_${randomBytes(32).toString("base64url")}`;
    const row = await this.db
      .insertInto("api_keys")
      .values({
        name,
        key_hash: tokenHash(key),
        user_id: userId,
        expires_at: expiresAt,
        created_at: now(),
        max_level: maxLevel,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { id: row.id, key };
  }

  /** API keys of one user, or of everyone (`userId` undefined); never the keys themselves. */
  async listApiKeys(userId?: number): Promise<ApiKeyRow[]> {
    let query = this.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .select([
        "api_keys.id",
        "api_keys.name",
        "users.username",
        "api_keys.created_at",
        "api_keys.expires_at",
        "api_keys.max_level",
      ])
      .orderBy("api_keys.id");
    if (userId !== undefined) query = query.where("api_keys.user_id", "=", userId);
    return (await query.execute()).map((r) => ({
      id: r.id,
      name: r.name,
      username: r.username,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      maxLevel: r.max_level as PermissionLevel | null,
    }));
  }

  /** Deletes an API key; `userId` limits it to that user's keys. True when one was deleted. */
  async revokeApiKey(id: number, userId?: number): Promise<boolean> {
    let query = this.db.deleteFrom("api_keys").where("id", "=", id);
    if (userId !== undefined) query = query.where("user_id", "=", userId);
    return Number((await query.executeTakeFirst()).numDeletedRows) > 0;
  }

  private toRow(user: {
    id: number;
    username: string;
    role: string;
    source: string;
    oidc_groups: string;
    totp_enabled: number;
    created_at: string;
  }): UserRow {
    return {
      id: user.id,
      username: user.username,
      role: user.role as Role,
      source: user.source === "oidc" ? "oidc" : "local",
      claimGroups: JSON.parse(user.oidc_groups) as string[],
      totpEnabled: Boolean(user.totp_enabled),
      createdAt: user.created_at,
    };
  }
}
