/** The "set a password" link of emails to accounts made for a guest (D71), on its own so any email module can use it. */
import { nowSeconds } from "~/lib/ids";
import { storeAccountToken } from "~/modules/identity/queries.server";
import { hashAccountToken, newAccountToken } from "~/modules/identity/tokens.server";

/** How long the "set a password" link of a guest purchase's receipt works (D71). */
export const GUEST_LINK_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * A single-use link that sets the first password of an account made for a guest purchase (D71):
 * a password-reset token (the /reset-password flow: sets the password, proves the address, signs
 * in) that lasts 7 days, since a receipt is often read later. Issued when the receipt is rendered,
 * so it goes to the address's inbox only; a newer one replaces it.
 */
export async function setPasswordLink(env: Env, userId: string): Promise<string> {
  const token = newAccountToken();
  const now = nowSeconds();
  await storeAccountToken(
    env,
    {
      tokenHash: await hashAccountToken(token),
      userId,
      purpose: "password_reset",
      email: null,
      expiresAt: now + GUEST_LINK_TTL_SECONDS,
      createdAt: now,
    },
    "password_reset",
  );
  return token;
}
