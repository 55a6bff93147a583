// Two-factor for local users: TOTP (RFC 6238, as authenticator apps do it)
// with ten single-use recovery codes. The secret is sealed with core's key;
// recovery codes are stored as hashes. Five wrong codes in a row lock code
// checks for five minutes, so a stolen password cannot be paired with a
// guessed code; a code works once (one seen over a shoulder cannot be replayed).
import { randomBytes } from "node:crypto";
import { TugError } from "@tugboat/protocol";
import { Secret, TOTP } from "otpauth";
import type { Db } from "../db/open-database.js";
import type { CoreKey } from "../secrets/core-key.js";
import { tokenHash } from "./user-store.js";

const MAX_FAILURES = 5;
const LOCK_MS = 5 * 60_000;
const RECOVERY_CODES = 10;

const PERIOD = 30;
const totpFor = (secret: string, username: string) =>
  new TOTP({ issuer: "Tugboat", label: username, secret: Secret.fromBase32(secret), digits: 6, period: PERIOD });

/** The time step a code belongs to, when it matches one within a step of now. */
function stepOf(secret: string, username: string, code: string): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpFor(secret, username).validate({ token: code, window: 1 });
  return delta === null ? undefined : Math.floor(Date.now() / 1000 / PERIOD) + delta;
}

const recoveryHash = (code: string) => tokenHash(`recovery\u0000${code.replaceAll("-", "").toLowerCase()}`);

export class TwoFactor {
  constructor(
    private readonly db: Db,
    private readonly key: CoreKey,
  ) {}

  /** A new secret for the user, not yet in force: `confirm` with a code from it turns it on. */
  async enrol(userId: number, username: string): Promise<{ secret: string; uri: string }> {
    const secret = new Secret({ size: 20 }).base32;
    await this.db
      .updateTable("users")
      .set({ totp_secret: this.key.seal(secret), totp_enabled: 0, totp_failures: 0 })
      .where("id", "=", userId)
      .execute();
    return { secret, uri: totpFor(secret, username).toString() };
  }

  /** Turns two-factor on with a first code; returns the recovery codes (shown once). */
  async confirm(userId: number, username: string, code: string): Promise<string[]> {
    const user = await this.user(userId);
    if (!user?.totp_secret) throw new TugError("E_INVALID_REQUEST", "start enrolment first (POST /api/auth/totp)");
    if (user.totp_enabled) throw new TugError("E_CONFLICT", "two-factor is already on");
    const step = stepOf(this.key.open(user.totp_secret), username, code.trim());
    if (step === undefined)
      throw new TugError("E_INVALID_REQUEST", "that code does not match; check the authenticator's clock");
    const codes = Array.from({ length: RECOVERY_CODES }, () => {
      const raw = randomBytes(5).toString("hex");
      return `${raw.slice(0, 5)}-${raw.slice(5)}`;
    });
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
      await tx
        .insertInto("recovery_codes")
        .values(codes.map((c) => ({ code_hash: recoveryHash(c), user_id: userId })))
        .execute();
      await tx.updateTable("users").set({ totp_enabled: 1, totp_last_step: step }).where("id", "=", userId).execute();
    });
    return codes;
  }

  /**
   * Checks a login's second factor: a current TOTP code, or an unused
   * recovery code (then used up). Throws when codes are locked out.
   */
  async verify(userId: number, username: string, code: string): Promise<{ ok: boolean; recovery: boolean }> {
    const user = await this.user(userId);
    if (!user?.totp_enabled || !user.totp_secret) return { ok: true, recovery: false };
    if (user.totp_locked_until && Date.parse(user.totp_locked_until) > Date.now())
      throw new TugError(
        "E_RATE_LIMITED",
        `too many wrong codes; try again after ${new Date(user.totp_locked_until).toISOString()}`,
      );
    const token = code.trim();
    const step = stepOf(this.key.open(user.totp_secret), username, token);
    // A code already used (or an older one) counts as wrong.
    if (step !== undefined && (user.totp_last_step === null || step > user.totp_last_step))
      return this.succeeded(userId, false, step);
    const used = await this.db
      .deleteFrom("recovery_codes")
      .where("user_id", "=", userId)
      .where("code_hash", "=", recoveryHash(token))
      .executeTakeFirst();
    if (Number(used.numDeletedRows) > 0) return this.succeeded(userId, true, user.totp_last_step);
    const failures = user.totp_failures + 1;
    await this.db
      .updateTable("users")
      .set(
        failures >= MAX_FAILURES
          ? { totp_failures: 0, totp_locked_until: new Date(Date.now() + LOCK_MS).toISOString() }
          : { totp_failures: failures },
      )
      .where("id", "=", userId)
      .execute();
    return { ok: false, recovery: false };
  }

  /** Turns two-factor off (an admin, for a user who lost their device). */
  async disable(userId: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
      await tx
        .updateTable("users")
        .set({ totp_secret: null, totp_enabled: 0, totp_failures: 0, totp_locked_until: null, totp_last_step: null })
        .where("id", "=", userId)
        .execute();
    });
  }

  async remainingRecoveryCodes(userId: number): Promise<number> {
    const row = await this.db
      .selectFrom("recovery_codes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  private async succeeded(userId: number, recovery: boolean, step: number | null) {
    await this.db
      .updateTable("users")
      .set({ totp_failures: 0, totp_locked_until: null, totp_last_step: step })
      .where("id", "=", userId)
      .execute();
    return { ok: true, recovery };
  }

  private user(userId: number) {
    return this.db
      .selectFrom("users")
      .select(["totp_secret", "totp_enabled", "totp_failures", "totp_locked_until", "totp_last_step"])
      .where("id", "=", userId)
      .executeTakeFirst();
  }
}
