/** The identity domain's SQL: accounts (rate limits: rate-limit.server.ts; sessions: auth.server.ts). */
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { users } from "./schema";

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

export async function setPasswordHash(env: Env, userId: string, passwordHash: string) {
  await getDb(env).update(users).set({ passwordHash }).where(eq(users.id, userId));
}

export function getUserById(env: Env, userId: string) {
  return getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { passwordHash: false } });
}
