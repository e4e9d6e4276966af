/** The identity domain's SQL: accounts (rate limits: rate-limit.server.ts; sessions: auth.server.ts). */
import { and, eq, gt, inArray, isNull } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { accountTokens, users, type AccountTokenPurpose } from "./schema";

/** The account with this (normalised) email, password hash included (for sign-in). */
export function findUserByEmail(env: Env, email: string) {
  return getDb(env).query.users.findFirst({ where: eq(users.email, email) });
}

/** The account, password hash included (for a password change). */
export function findUserWithPassword(env: Env, userId: string) {
  return getDb(env).query.users.findFirst({ where: eq(users.id, userId) });
}

export async function insertUser(env: Env, user: typeof users.$inferInsert) {
  await getDb(env).insert(users).values(user);
}

/**
 * Inserts the account unless the address has one, then reads the address's account — the same two
 * statements in one round trip whether or not it existed, so neither the work nor the time tells.
 */
export async function insertOrFindUserByEmail(env: Env, user: typeof users.$inferInsert) {
  const db = getDb(env);
  const [, found] = await db.batch([
    db.insert(users).values(user).onConflictDoNothing({ target: users.email }),
    db.select({ id: users.id }).from(users).where(eq(users.email, user.email)).limit(1),
  ]);
  return found[0] ?? null;
}

/** A chosen password: an account made for a guest purchase stops being one (D71). */
export async function setPasswordHash(env: Env, userId: string, passwordHash: string) {
  await getDb(env).update(users).set({ passwordHash, guestAt: null }).where(eq(users.id, userId));
}

export function getUserById(env: Env, userId: string) {
  return getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { passwordHash: false } });
}

// ── Emailed single-use links (D61) ──────────────────────────────────────────────────────────────

/**
 * Stores a link's hash and, in the same batch, retires every unused link of the same purpose for
 * this person: only the newest link works. Without a user (the "no such account" path of a reset
 * request) it runs the same retire statement against nobody, so both paths cost one D1 batch.
 */
export async function storeAccountToken(env: Env, row: typeof accountTokens.$inferInsert | null, purpose: AccountTokenPurpose) {
  const db = getDb(env);
  const retire = db
    .update(accountTokens)
    .set({ usedAt: nowSeconds() })
    .where(and(eq(accountTokens.userId, row?.userId ?? ""), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)));
  if (!row) {
    await retire;
    return;
  }
  await db.batch([retire, db.insert(accountTokens).values(row)]);
}

/**
 * Uses a link: marks it used and returns it, in one atomic statement, only when it is unused,
 * unexpired and of this purpose. Two clicks racing: exactly one gets the row.
 */
export async function consumeAccountToken(env: Env, tokenHash: string, purpose: AccountTokenPurpose) {
  const now = nowSeconds();
  const [row] = await getDb(env)
    .update(accountTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountTokens.tokenHash, tokenHash),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, now),
      ),
    )
    .returning();
  return row ?? null;
}

/** The link if it would still work (for a form shown before it is used); changes nothing. */
export async function findLiveAccountToken(env: Env, tokenHash: string, purpose: AccountTokenPurpose) {
  const row = await getDb(env).query.accountTokens.findFirst({
    where: and(eq(accountTokens.tokenHash, tokenHash), eq(accountTokens.purpose, purpose)),
  });
  return row && row.usedAt === null && row.expiresAt > nowSeconds() ? row : null;
}

/** Retires every unused link of these purposes (e.g. after an undo, pending email changes). */
export async function retireAccountTokens(env: Env, userId: string, purposes: AccountTokenPurpose[]) {
  await getDb(env)
    .update(accountTokens)
    .set({ usedAt: nowSeconds() })
    .where(and(eq(accountTokens.userId, userId), inArray(accountTokens.purpose, purposes), isNull(accountTokens.usedAt)));
}

export async function markEmailVerified(env: Env, userId: string) {
  await getDb(env)
    .update(users)
    .set({ emailVerifiedAt: nowSeconds() })
    .where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)));
}

/** Sets the address (already proven by a link, so verified). Throws a UNIQUE violation if taken. */
export async function setUserEmail(env: Env, userId: string, email: string) {
  await getDb(env).update(users).set({ email, emailVerifiedAt: nowSeconds() }).where(eq(users.id, userId));
}

export async function isEmailVerified(env: Env, userId: string): Promise<boolean> {
  const row = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { emailVerifiedAt: true } });
  return row?.emailVerifiedAt != null;
}
