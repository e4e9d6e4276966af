/**
 * Account security flows (D61): password reset, email verification, email change with undo. Every
 * flow mails a single-use link (identity/tokens.server.ts: random, SHA-256 at rest, the newest of
 * its purpose wins) through the email queue (email/service.server.ts). This domain composes
 * identity and email; identity itself stays below email in the import graph.
 */
import { publicUrl } from "~/lib/public-url";
import { AppError, badRequest, conflict, isUniqueViolation, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { getDb } from "~/lib/db.server";
import { parseOrThrow } from "~/lib/validation";
import { endAllSessions, startSession, type Viewer } from "~/modules/identity/auth.server";
import { dummyPasswordHash, hashPassword, verifyPassword } from "~/modules/identity/passwords.server";
import {
  consumeAccountToken,
  findLiveAccountToken,
  findUserByEmail,
  findUserWithPassword,
  isEmailVerified,
  markEmailVerified,
  retireAccountTokens,
  setPasswordHash,
  setUserEmail,
  storeAccountToken,
} from "~/modules/identity/queries.server";
import { assertUnderLimits, hit, type Limit } from "~/modules/identity/rate-limit.server";
import type { AccountTokenPurpose } from "~/modules/identity/schema";
import { signUp } from "~/modules/identity/service.server";
import { hashAccountToken, looksLikeAccountToken, newAccountToken } from "~/modules/identity/tokens.server";
import { enqueueAccountEmail } from "~/modules/email/service.server";
import { confirmEmailChangeEmail, emailChangedNoticeEmail, passwordResetEmail, verifyEmailEmail } from "~/modules/email/templates.server";
import { ChangeEmailInput, ForgotPasswordInput, ResetPasswordInput } from "./validation";

const HOUR = 60 * 60;
export const TOKEN_TTL: Record<AccountTokenPurpose, number> = {
  password_reset: HOUR,
  verify_email: 24 * HOUR,
  change_email: 24 * HOUR,
  undo_email_change: 7 * 24 * HOUR,
};

/** A new link for `purpose`; older unused links of that purpose stop working. Returns the token. */
async function issue(env: Env, userId: string, purpose: AccountTokenPurpose, email: string | null = null) {
  const token = newAccountToken();
  const tokenHash = await hashAccountToken(token);
  const now = nowSeconds();
  await storeAccountToken(env, { tokenHash, userId, purpose, email, expiresAt: now + TOKEN_TTL[purpose], createdAt: now }, purpose);
  return { token, tokenHash };
}

/** Uses a link: the row, or a 400 that says what to do next. */
async function spendToken(env: Env, token: string | undefined, purpose: AccountTokenPurpose, invalid: string) {
  if (!looksLikeAccountToken(token)) throw badRequest(invalid);
  const row = await consumeAccountToken(env, await hashAccountToken(token), purpose);
  if (!row) throw badRequest(invalid);
  return row;
}

// ── Password reset ──────────────────────────────────────────────────────────────────────────────

const resetLimits = (email: string, ip: string): Limit[] => [
  { key: `reset:email:${email}`, max: 3, windowSeconds: HOUR, message: "Too many reset requests for this email address." },
  { key: `reset:ip:${ip}`, max: 10, windowSeconds: HOUR, message: "Too many reset requests from your network." },
];

export const RESET_REQUESTED =
  "If an account uses that address, we've emailed it a link to choose a new password. The link works once, for 1 hour. Check your spam folder if it doesn't arrive.";
const RESET_INVALID = "This password reset link is invalid, already used or expired (links work for 1 hour). Request a new one.";

/**
 * "Forgot password?": the same answer, and the same work (a token and its hash, one D1 statement,
 * one queue message), whether or not the address has an account, so the page reveals nothing.
 * Throttled per address and per IP; every request counts.
 */
export async function requestPasswordReset(env: Env, input: unknown, ip: string): Promise<{ message: string }> {
  const { email } = parseOrThrow(ForgotPasswordInput, input);
  const db = getDb(env);
  const limits = resetLimits(email, ip);
  await assertUnderLimits(db, limits);
  await Promise.all(limits.map((l) => hit(db, l.key, l.windowSeconds)));
  const user = await findUserByEmail(env, email);
  const token = newAccountToken();
  const tokenHash = await hashAccountToken(token);
  const now = nowSeconds();
  await storeAccountToken(
    env,
    user
      ? { tokenHash, userId: user.id, purpose: "password_reset", email: null, expiresAt: now + TOKEN_TTL.password_reset, createdAt: now }
      : null,
    "password_reset",
  );
  const mail = passwordResetEmail({ resetUrl: publicUrl(env, `/reset-password/${token}`) });
  await enqueueAccountEmail(env, {
    key: `account:reset:${tokenHash.slice(0, 32)}`,
    kind: "password_reset",
    userId: user?.id ?? null,
    to: user?.email ?? null,
    ...mail,
  });
  return { message: RESET_REQUESTED };
}

/** Whether a reset link still works (the form page); changes nothing. */
export async function checkResetToken(env: Env, token: string | undefined): Promise<void> {
  if (!looksLikeAccountToken(token) || !(await findLiveAccountToken(env, await hashAccountToken(token), "password_reset")))
    throw badRequest(RESET_INVALID);
}

/**
 * Sets the new password (same rules as sign-up), uses up the link, ends EVERY session of the
 * person (a thief's too) and signs this browser in with a fresh one. Clicking the link also proves
 * the address, so it counts as verified.
 */
export async function resetPassword(env: Env, token: string | undefined, input: unknown): Promise<{ setCookie: string }> {
  const { password } = parseOrThrow(ResetPasswordInput, input);
  const row = await spendToken(env, token, "password_reset", RESET_INVALID);
  await setPasswordHash(env, row.userId, await hashPassword(password));
  await markEmailVerified(env, row.userId);
  await endAllSessions(env, row.userId);
  return { setCookie: await startSession(env, row.userId) };
}

// ── Email verification ──────────────────────────────────────────────────────────────────────────

const VERIFY_INVALID =
  "This confirmation link is invalid, already used or expired (links work for 24 hours). Sign in and use “Resend link”.";

async function sendVerification(env: Env, user: { id: string; email: string }) {
  const { token, tokenHash } = await issue(env, user.id, "verify_email");
  const mail = verifyEmailEmail({ verifyUrl: publicUrl(env, `/verify-email/${token}`) });
  await enqueueAccountEmail(env, {
    key: `account:verify:${tokenHash.slice(0, 32)}`,
    kind: "verify_email",
    userId: user.id,
    to: user.email,
    ...mail,
  });
}

/** Sign-up plus the verification email. */
export async function registerAccount(env: Env, input: unknown, ip: string) {
  const out = await signUp(env, input, ip);
  await sendVerification(env, out.user);
  return out;
}

/** "Resend link": throttled to 3 an hour per person; nothing to do once verified. */
export async function resendVerification(env: Env, viewer: Viewer): Promise<{ message: string }> {
  if (await isEmailVerified(env, viewer.id)) return { message: "Your email address is already confirmed." };
  const db = getDb(env);
  const limits: Limit[] = [
    { key: `verify:user:${viewer.id}`, max: 3, windowSeconds: HOUR, message: "We've already sent you several links." },
  ];
  await assertUnderLimits(db, limits);
  await hit(db, limits[0].key, HOUR);
  await sendVerification(env, viewer);
  return { message: `We've sent a new link to ${viewer.email}. It works for 24 hours; older links no longer work.` };
}

export async function verifyEmail(env: Env, token: string | undefined): Promise<{ userId: string }> {
  const row = await spendToken(env, token, "verify_email", VERIFY_INVALID);
  await markEmailVerified(env, row.userId);
  return { userId: row.userId };
}

// ── Email change ────────────────────────────────────────────────────────────────────────────────

const CHANGE_INVALID =
  "This email-change link is invalid, already used or expired (links work for 24 hours). Start the change again in Settings.";
const UNDO_INVALID = "This undo link is invalid, already used or expired (undo links work for 7 days).";
const TAKEN = "Another account already uses that email address.";

/** Step 1 (Settings): checks the current password and mails a confirmation link to the NEW address. */
export async function requestEmailChange(env: Env, viewer: Viewer, input: unknown, ip: string): Promise<{ message: string }> {
  const { currentPassword, newEmail } = parseOrThrow(ChangeEmailInput, input);
  const db = getDb(env);
  const limits: Limit[] = [
    { key: `email-change:user:${viewer.id}`, max: 5, windowSeconds: HOUR, message: "Too many email-change attempts." },
    { key: `email-change:ip:${ip}`, max: 20, windowSeconds: HOUR, message: "Too many email-change attempts from your network." },
  ];
  await assertUnderLimits(db, limits);
  await Promise.all(limits.map((l) => hit(db, l.key, l.windowSeconds)));
  const user = await findUserWithPassword(env, viewer.id);
  if (!(await verifyPassword(currentPassword, user?.passwordHash ?? (await dummyPasswordHash()))) || !user)
    throw unprocessable("Your current password is not right.", { currentPassword: "Your current password is not right." });
  if (newEmail === user.email)
    throw unprocessable("That is already your email address.", { newEmail: "That is already your email address." });
  const { token, tokenHash } = await issue(env, user.id, "change_email", newEmail);
  const mail = confirmEmailChangeEmail({ confirmUrl: publicUrl(env, `/change-email/${token}`), newEmail });
  await enqueueAccountEmail(env, {
    key: `account:change:${tokenHash.slice(0, 32)}`,
    kind: "change_email",
    userId: user.id,
    to: newEmail,
    ...mail,
  });
  return { message: `We've sent a confirmation link to ${newEmail}. Your address changes when you click it.` };
}

/** Whether a link of this purpose still works (GET confirmation pages); changes nothing. */
export async function checkEmailLink(env: Env, token: string | undefined, purpose: "change_email" | "undo_email_change") {
  const row = looksLikeAccountToken(token) ? await findLiveAccountToken(env, await hashAccountToken(token), purpose) : null;
  if (!row) throw badRequest(purpose === "change_email" ? CHANGE_INVALID : UNDO_INVALID);
  return { email: row.email ?? "" };
}

/**
 * Step 2 (the link in the new inbox): the address changes (uniqueness is enforced now, by the
 * database) and the OLD address gets a notice with a 7-day undo link.
 */
export async function confirmEmailChange(env: Env, token: string | undefined): Promise<{ email: string }> {
  const row = await spendToken(env, token, "change_email", CHANGE_INVALID);
  const user = await findUserWithPassword(env, row.userId);
  if (!user || !row.email) throw badRequest(CHANGE_INVALID);
  const oldEmail = user.email;
  const newEmail = row.email;
  if (await findUserByEmail(env, newEmail)) throw conflict(TAKEN);
  try {
    await setUserEmail(env, user.id, newEmail);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict(TAKEN);
    throw e;
  }
  const { token: undo, tokenHash } = await issue(env, user.id, "undo_email_change", oldEmail);
  const mail = emailChangedNoticeEmail({ undoUrl: publicUrl(env, `/undo-email-change/${undo}`), newEmail });
  await enqueueAccountEmail(env, {
    key: `account:undo:${tokenHash.slice(0, 32)}`,
    kind: "email_changed",
    userId: user.id,
    to: oldEmail,
    ...mail,
  });
  return { email: newEmail };
}

/** The undo link from the notice: restores the old address and ends every session. */
export async function undoEmailChange(env: Env, token: string | undefined): Promise<{ email: string }> {
  const row = await spendToken(env, token, "undo_email_change", UNDO_INVALID);
  if (!row.email) throw badRequest(UNDO_INVALID);
  const holder = await findUserByEmail(env, row.email);
  if (holder && holder.id !== row.userId)
    throw new AppError(409, "Another account now uses that address, so it can't be restored. Contact support.");
  await setUserEmail(env, row.userId, row.email);
  await retireAccountTokens(env, row.userId, ["change_email", "password_reset"]);
  await endAllSessions(env, row.userId);
  return { email: row.email };
}
