/** The buyer's /library: purchases with downloads, courses, memberships, and offers. */
import { and, eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { notFound, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { getStripe } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { memberships } from "./schema";
import { notifications } from "~/modules/notifications/schema";
import { syncSubscription } from "./events.server";
import { cancelPendingSwitch } from "./switch.server";

async function ownMembership(env: Env, viewer: Viewer, membershipId: string) {
  const m = await getDb(env).query.memberships.findFirst({ where: eq(memberships.id, membershipId) });
  if (!m || m.userId !== viewer.id) throw notFound("That membership isn't yours.");
  return m;
}

/** Cancel at period end, or resume. Stripe is updated, then we re-read it (the webhook agrees). */
export async function setCancelAtPeriodEnd(env: Env, viewer: Viewer, membershipId: string, cancel: boolean) {
  const m = await ownMembership(env, viewer, membershipId);
  if (!m.stripeSubscriptionId) throw unprocessable("Free memberships don't renew — leave the tier instead.");
  if (m.status === "canceled") throw unprocessable("This membership has already ended.");
  // Stripe refuses cancelation changes on a scheduled subscription: canceling withdraws a pending downgrade (D66) first.
  if (cancel && m.pendingScheduleId) await cancelPendingSwitch(env, viewer, m.id);
  await getStripe(env).subscriptions.update(m.stripeSubscriptionId, { cancel_at_period_end: cancel });
  await syncSubscription(env, m.stripeSubscriptionId);
}

/** Stripe's billing portal (update card, invoices) for the member's customer. */
export async function billingPortal(env: Env, viewer: Viewer, membershipId: string, origin: string) {
  const m = await ownMembership(env, viewer, membershipId);
  if (!m.stripeCustomerId) throw unprocessable("There's no billing account for this membership.");
  const s = await getStripe(env).billingPortal.sessions.create({ customer: m.stripeCustomerId, return_url: `${origin}/library` });
  return { url: s.url };
}

/** Marks one of the viewer's notifications read; another user's id (or none) is a 404. */
export async function dismissNotification(env: Env, viewer: Viewer, id: string) {
  const rows = await getDb(env)
    .update(notifications)
    .set({ readAt: nowSeconds() })
    .where(and(eq(notifications.id, id), eq(notifications.userId, viewer.id)))
    .returning({ id: notifications.id });
  if (!rows[0]) throw notFound("We couldn't find that notification.");
}
