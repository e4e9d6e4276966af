/**
 * Deleting an account (decision 68). Money first — every renewing membership this person holds, and
 * (as a creator) every membership of their tiers, is set to cancel at period end in Stripe, so no
 * one is charged again — then personal data goes in one D1 batch. Buyers keep their downloads; the
 * orders (amounts, fee, net) stay for accounting; payouts already owed keep settling in Stripe.
 */
import * as v from "valibot";
import { unprocessable, unauthorized } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { getStripe } from "~/lib/stripe.server";
import { publicUrl } from "~/lib/public-url";
import { enqueueAccountEmail } from "~/modules/email/service.server";
import { accountDeletedEmail } from "~/modules/email/templates.server";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { verifyPassword } from "~/modules/identity/passwords.server";
import { findUserWithPassword } from "~/modules/identity/queries.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { syncSubscription } from "~/modules/payments/events.server";
import { unfollowEveryone } from "~/modules/follows/service.server";
import { deleteMedia } from "~/modules/media/service.server";
import type { CreatorLeavingEmailMessage } from "~/modules/feed/messages";
import { creatorMediaKeys, endFreeMemberships, exportKeys, hasOrders, liveMemberships, writeDeletion } from "./queries.server";

/** How long a deleted creator's handle stays reserved. */
export const HANDLE_RESERVED_DAYS = 90;

const DeleteInput = v.object({ password: v.pipe(v.string("Enter your password."), v.minLength(1, "Enter your password.")) });

/** What the delete page explains before anything happens: the consequences for this person. */
export async function deletionPreview(env: Env, viewer: Viewer) {
  const [rows, creator] = await Promise.all([liveMemberships(env, viewer.id), findCreatorByUserId(env, viewer.id)]);
  return {
    handle: creator?.handle ?? null,
    held: rows
      .filter((r) => r.userId === viewer.id)
      .map((r) => ({ tierName: r.tierName ?? "a tier", periodEnd: r.periodEnd, paid: !!r.sub })),
    members: rows.filter((r) => r.creatorId === viewer.id && r.userId !== viewer.id).length,
    handleReservedDays: HANDLE_RESERVED_DAYS,
  };
}

export async function deleteAccount(env: Env, viewer: Viewer, input: unknown) {
  const { password } = parseOrThrow(DeleteInput, input);
  const user = await findUserWithPassword(env, viewer.id);
  if (!user || user.deletedAt !== null) throw unauthorized();
  if (!(await verifyPassword(password, user.passwordHash)))
    throw unprocessable("That password is not right; nothing was deleted.", { password: "That password is not right." });

  const creator = await findCreatorByUserId(env, viewer.id);
  const rows = await liveMemberships(env, viewer.id);
  // 1. No renewals: Stripe first (if a call fails, nothing is deleted and the person can retry).
  const stripe = getStripe(env);
  for (const r of rows) {
    if (!r.sub || r.cancelAtPeriodEnd) continue;
    await stripe.subscriptions.update(r.sub, { cancel_at_period_end: true }, { idempotencyKey: `delete-account:${r.sub}` });
    await syncSubscription(env, r.sub);
  }
  await endFreeMemberships(
    env,
    rows.filter((r) => !r.sub).map((r) => r.id),
  );
  // 2. The creator's members hear about it (through the email queue, once per membership).
  const members = creator ? rows.filter((r) => r.creatorId === viewer.id && r.userId !== viewer.id).map((r) => r.id) : [];
  for (let i = 0; i < members.length; i += 100) {
    const msg: CreatorLeavingEmailMessage = {
      type: "creator_leaving",
      creatorName: creator!.displayName,
      membershipIds: members.slice(i, i + 100),
    };
    await env.EMAIL_QUEUE.send(msg);
  }
  // 3. Follows end through each creator's Durable Object (exact counts).
  await unfollowEveryone(env, viewer.id);
  // 4. Personal data.
  const mediaKeys = [...(creator ? await creatorMediaKeys(env, viewer.id) : []), ...(await exportKeys(env, viewer.id))];
  const now = nowSeconds();
  await writeDeletion(env, {
    userId: viewer.id,
    now,
    placeholderEmail: `deleted-${viewer.id}@deleted.invalid`,
    handle: creator?.handle ?? null,
    placeholderHandle: `deleted-${newId(10).toLowerCase()}`,
    releaseAt: now + HANDLE_RESERVED_DAYS * 86_400,
  });
  await deleteMedia(env, mediaKeys);
  // 5. A last mail to the address they had (kept only in this queue message, never stored again).
  await enqueueAccountEmail(env, {
    key: `account:deleted:${viewer.id}`,
    kind: "account_deleted",
    userId: null,
    to: user.email,
    ...accountDeletedEmail({
      signUpUrl: publicUrl(env, "/signup"),
      boughtSomething: await hasOrders(env, viewer.id),
      wasCreator: !!creator,
    }),
  });
  return { canceled: rows.filter((r) => r.sub).length, membersNotified: members.length };
}
