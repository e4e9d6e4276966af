/**
 * Signed one-click unsubscribe tokens: HMAC-SHA256(EMAIL_SIGNING_SECRET, "unsubscribe:v1:<userId>"),
 * base64url. No database row, nothing to guess; tampering with the user id or the token fails the
 * constant-time comparison. Rotating the secret invalidates every old link.
 */
import { publicUrl } from "~/lib/public-url";
import { secrets } from "~/lib/secrets";
const enc = new TextEncoder();
const DEV_SECRET = "dev-only-email-signing-secret-not-for-production";

function secretOf(env: Env): string {
  const s = secrets(env).EMAIL_SIGNING_SECRET;
  if (s && s.length >= 16) return s;
  if (env.APP_ENV === "production") throw new Error("EMAIL_SIGNING_SECRET is not configured (wrangler secret put EMAIL_SIGNING_SECRET).");
  return DEV_SECRET;
}

const b64url = (buf: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

async function hmac(env: Env, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secretOf(env)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64url(await crypto.subtle.sign("HMAC", key, enc.encode(message)));
}

export const unsubscribeToken = (env: Env, userId: string) => hmac(env, `unsubscribe:v1:${userId}`);

export async function verifyUnsubscribeToken(env: Env, userId: string, token: string): Promise<boolean> {
  if (!userId || !token || token.length > 100) return false;
  const expected = enc.encode(await unsubscribeToken(env, userId));
  const given = enc.encode(token);
  if (expected.byteLength !== given.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= expected[i] ^ given[i];
  return diff === 0;
}

export async function unsubscribeUrl(env: Env, userId: string): Promise<string> {
  return publicUrl(env, `/unsubscribe?u=${encodeURIComponent(userId)}&t=${await unsubscribeToken(env, userId)}`);
}

/** The token of a link that unsubscribes one person from ONE creator's messages. */
export const creatorUnsubscribeToken = (env: Env, userId: string, creatorId: string) =>
  hmac(env, `unsubscribe:creator:v1:${userId}:${creatorId}`);

export async function verifyCreatorUnsubscribeToken(env: Env, userId: string, creatorId: string, token: string): Promise<boolean> {
  if (!userId || !creatorId || !token || token.length > 100) return false;
  const expected = enc.encode(await creatorUnsubscribeToken(env, userId, creatorId));
  const given = enc.encode(token);
  if (expected.byteLength !== given.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= expected[i] ^ given[i];
  return diff === 0;
}

export async function creatorUnsubscribeUrl(env: Env, userId: string, creatorId: string): Promise<string> {
  return publicUrl(
    env,
    `/unsubscribe?u=${encodeURIComponent(userId)}&c=${encodeURIComponent(creatorId)}&t=${await creatorUnsubscribeToken(env, userId, creatorId)}`,
  );
}

/** The token of a link that turns off the maker's feedback digest only (decision 120). */
export const feedbackDigestUnsubscribeToken = (env: Env, userId: string) => hmac(env, `unsubscribe:feedback-digest:v1:${userId}`);

export async function verifyFeedbackDigestUnsubscribeToken(env: Env, userId: string, token: string): Promise<boolean> {
  if (!userId || !token || token.length > 100) return false;
  const expected = enc.encode(await feedbackDigestUnsubscribeToken(env, userId));
  const given = enc.encode(token);
  if (expected.byteLength !== given.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= expected[i] ^ given[i];
  return diff === 0;
}

export async function feedbackDigestUnsubscribeUrl(env: Env, userId: string): Promise<string> {
  return publicUrl(
    env,
    `/unsubscribe?u=${encodeURIComponent(userId)}&k=feedback-digest&t=${await feedbackDigestUnsubscribeToken(env, userId)}`,
  );
}

/**
 * The signed part of a guest's booking link (D131): HMAC of the booking id, so the link needs no row
 * and can be rendered into any email about the booking; a changed id or token fails the comparison.
 */
export const bookingManageToken = (env: Env, bookingId: string) => hmac(env, `booking-manage:v1:${bookingId}`);

export async function verifyBookingManageToken(env: Env, bookingId: string, token: string): Promise<boolean> {
  if (!bookingId || !token || bookingId.length > 64 || token.length > 100) return false;
  const expected = enc.encode(await bookingManageToken(env, bookingId));
  const given = enc.encode(token);
  if (expected.byteLength !== given.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= expected[i] ^ given[i];
  return diff === 0;
}

/** Where a guest sees, cancels and moves their booking without an account. */
export async function bookingManagePath(env: Env, bookingId: string): Promise<string> {
  return `/bookings/${encodeURIComponent(bookingId)}/manage/${await bookingManageToken(env, bookingId)}`;
}

/** The signed part of a waitlist seat offer's email link (D132): one offer (hold) of one tier. */
export const seatOfferToken = (env: Env, tierId: string, holdId: string) => hmac(env, `seat-offer:v1:${tierId}:${holdId}`);

export async function verifySeatOfferToken(env: Env, tierId: string, holdId: string, token: string): Promise<boolean> {
  if (!tierId || !holdId || !token || holdId.length > 100 || token.length > 100) return false;
  const expected = enc.encode(await seatOfferToken(env, tierId, holdId));
  const given = enc.encode(token);
  if (expected.byteLength !== given.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < expected.byteLength; i++) diff |= expected[i] ^ given[i];
  return diff === 0;
}
