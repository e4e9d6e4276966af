/**
 * The email-verification gate (D61). Until a person has clicked their verification link they may
 * browse, follow and buy, but not open a storefront, sell (products, tiers, payouts) or write.
 * Every such mutation calls this on the server; pages show the same message with a "Resend link".
 */
import { AppError } from "~/lib/errors";
import { isEmailVerified } from "./queries.server";

export const UNVERIFIED_MESSAGE =
  "Please confirm your email address first: open the link we emailed you. No email? Use “Resend link” to get a new one.";

/** 403 with a clear message unless the person's email address is verified. */
export async function requireVerifiedEmail(env: Env, viewer: { id: string }): Promise<void> {
  if (!(await isEmailVerified(env, viewer.id))) throw new AppError(403, UNVERIFIED_MESSAGE);
}
