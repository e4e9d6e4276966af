import { getDb } from "~/lib/db.server";
import { AppError, conflict, forbidden, unauthorized, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./passwords.server";
import { assertUnderLimits, hit, type Limit } from "./rate-limit.server";
import { findUserByEmail, findUserWithPassword, insertOrFindUserByEmail, insertUser, setPasswordHash } from "./queries.server";
import { ChangePasswordInput, Email, LogInInput, SignUpInput } from "./validation";
import { endAllSessions, startSession } from "./auth.server";

const LOGIN_WINDOW = 15 * 60;
const loginLimits = (email: string, ip: string): Limit[] => [
  { key: `login:email:${email}`, max: 5, windowSeconds: LOGIN_WINDOW, message: "Too many failed sign-in attempts for this account." },
  { key: `login:ip:${ip}`, max: 20, windowSeconds: LOGIN_WINDOW, message: "Too many failed sign-in attempts from your network." },
];
const signupLimits = (ip: string): Limit[] => [
  { key: `signup:ip:${ip}`, max: 10, windowSeconds: 60 * 60, message: "Too many new accounts from your network." },
];

/** Creates an account (without signing in). Used by sign-up, tests and the demo seed. */
/** `verified`: the address counts as proven (demo seed, tests); sign-up leaves it unverified (D61). */
export async function createUser(env: Env, input: { email: string; password: string; isAdmin?: boolean; verified?: boolean }) {
  const { email, password } = parseOrThrow(SignUpInput, input);
  const existing = await findUserByEmail(env, email);
  if (existing)
    throw conflict("An account with this email already exists. Try signing in.", {
      email: "An account with this email already exists. Try signing in.",
    });
  const user = {
    id: newId(),
    email,
    passwordHash: await hashPassword(password),
    isAdmin: input.isAdmin ?? false,
    emailVerifiedAt: input.verified ? nowSeconds() : null,
    createdAt: nowSeconds(),
  };
  try {
    await insertUser(env, user);
  } catch (e) {
    // Two sign-ups racing for one email: the unique index decides.
    if (String(e).includes("UNIQUE"))
      throw conflict("An account with this email already exists. Try signing in.", {
        email: "An account with this email already exists. Try signing in.",
      });
    throw e;
  }
  return { id: user.id, email: user.email };
}

/** Sign-up: rate-limited per IP, creates the account and a session; returns the Set-Cookie. */
export async function signUp(env: Env, input: unknown, ip: string) {
  const db = getDb(env);
  await assertUnderLimits(db, signupLimits(ip));
  const fields = (input ?? {}) as { email?: unknown; password?: unknown };
  const user = await createUser(env, { email: fields.email as string, password: fields.password as string });
  await hit(db, signupLimits(ip)[0].key, 60 * 60);
  return { user, setCookie: await startSession(env, user.id) };
}

/**
 * Sign-in. Failed attempts count per email and per IP; past the limit every attempt (even with
 * the right password) gets 429 until the window ends, so guessing is slowed to a crawl.
 */
const LOGIN_FAILED = "That email and password don't match an account. Check them and try again.";

export async function logIn(env: Env, input: unknown, ip: string) {
  const db = getDb(env);
  const { email, password } = parseOrThrow(LogInInput, input);
  const limits = loginLimits(email, ip);
  await assertUnderLimits(db, limits);
  const user = await findUserByEmail(env, email);
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !ok || user.deletedAt !== null) {
    await Promise.all(limits.map((l) => hit(db, l.key, l.windowSeconds)));
    // One message whether or not the email has an account (and the same scrypt work, above),
    // so sign-in never tells anyone which emails are registered.
    throw new AppError(401, LOGIN_FAILED, { password: LOGIN_FAILED });
  }
  if (user.suspendedAt !== null) {
    // Only someone who knows the password learns about the suspension (decision 67).
    throw forbidden(SUSPENDED_MESSAGE);
  }
  return { user: { id: user.id, email: user.email }, setCookie: await startSession(env, user.id) };
}

export const SUSPENDED_MESSAGE =
  "This account is suspended, so it can't sign in. If you think this is a mistake, write to support@allthrive.app.";

/** Changes the password, ends every other session and starts a fresh one for this device. */
export async function changePassword(env: Env, userId: string, input: unknown) {
  const { currentPassword, newPassword } = parseOrThrow(ChangePasswordInput, input);
  const user = await findUserWithPassword(env, userId);
  if (!user) throw unauthorized();
  if (!(await verifyPassword(currentPassword, user.passwordHash)))
    throw unprocessable("Your current password is not right.", { currentPassword: "Your current password is not right." });
  await setPasswordHash(env, userId, await hashPassword(newPassword));
  await endAllSessions(env, userId);
  return { setCookie: await startSession(env, userId) };
}

export { getUserById } from "./queries.server";

/**
 * The account a guest purchase belongs to (D71): the one with this email, or a new one with no
 * password chosen yet (`guestAt`; its hash is of a random password, so it can't be signed in to
 * until the emailed link sets one). Nobody is signed in here. A random password is hashed whether
 * or not the address had an account, so the time this takes doesn't tell. Two purchases racing for
 * one new address: the unique index decides and both get the same account.
 */
export async function accountForGuestEmail(env: Env, rawEmail: string): Promise<{ id: string; email: string; created: boolean }> {
  const email = parseOrThrow(Email, rawEmail);
  const random = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))));
  const passwordHash = await hashPassword(random);
  const now = nowSeconds();
  const id = newId();
  // One batch for both cases (insert unless taken, then read): the same statements, the same time.
  const row = await insertOrFindUserByEmail(env, {
    id,
    email,
    passwordHash,
    isAdmin: false,
    emailVerifiedAt: null,
    createdAt: now,
    guestAt: now,
  });
  if (!row) throw new Error("guest account neither inserted nor found");
  return { id: row.id, email, created: row.id === id };
}
