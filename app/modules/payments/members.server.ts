/**
 * What a creator can do from a tier's members list: give a free membership (comp) for 1, 3 or 12
 * months, remove a member (cancel now, with or without refunding their latest payment), and
 * message every member of the tier. Every action first checks that the tier is the actor's
 * (another creator gets 403, a missing tier 404) and that the membership belongs to that tier.
 *
 * A comp is a membership row with `comp = true`, no Stripe subscription and `current_period_end`
 * at the end of the period. It takes a seat through the tier's TierSeats object exactly like a
 * free-tier join (so a capped tier counts it and a full one refuses it) and is ended by the
 * minute cron (`endExpiredComps`), which frees the seat.
 */
import { and, eq, inArray, lte } from "drizzle-orm";
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { conflict, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { users } from "~/modules/identity/schema";
import { queueTxEmail, sendTierMessage } from "~/modules/email/transactional.server";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { requireOwnedTier } from "~/modules/tiers/service.server";
import { LIVE_MEMBERSHIP_STATUSES } from "~/modules/content/entitlements.server";
import { removeSubscription } from "./events.server";
import { memberships } from "./schema";

export const COMP_MONTHS = ["1", "3", "12"] as const;

const CompInput = v.object({
  email: v.pipe(
    v.string("Enter the member's email."),
    v.trim(),
    v.toLowerCase(),
    v.email("Enter the email address of the person's All Thrive account."),
  ),
  months: v.picklist(COMP_MONTHS, "Choose 1, 3 or 12 months."),
});

/** `months` calendar months after `from` (unix seconds), in UTC. */
export function addMonths(from: number, months: number): number {
  const d = new Date(from * 1000);
  d.setUTCMonth(d.getUTCMonth() + months);
  return Math.floor(d.getTime() / 1000);
}

export async function giveCompMembership(env: Env, viewer: Viewer, tierId: string, input: unknown) {
  const tier = await requireOwnedTier(env, viewer, tierId);
  const { email, months } = parseOrThrow(CompInput, input);
  if (tier.status !== "active") throw conflict("This tier is archived. Restore it to add members.");
  const db = getDb(env);
  const person = await db.query.users.findFirst({ where: eq(users.email, email), columns: { id: true, email: true } });
  if (!person)
    throw unprocessable("No All Thrive account uses that email. Ask them to sign up first.", { email: "No account with this email." });
  if (person.id === tier.creatorId) throw unprocessable("You can't give yourself a membership.", { email: "That's you." });
  const live = await db.query.memberships.findFirst({
    where: and(eq(memberships.userId, person.id), eq(memberships.tierId, tier.id), inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES)),
    columns: { id: true },
  });
  if (live) throw conflict(`${person.email} is already a member of this tier.`, { email: "Already a member." });
  const id = newId();
  const joined = await seats(env, tier.id).join({ userId: person.id, memberId: id });
  if (!joined.ok) {
    throw conflict(
      joined.reason === "full" ? "This tier is full: every seat is taken." : `${person.email} is already a member of this tier.`,
      { email: joined.reason === "full" ? "The tier is full." : "Already a member." },
    );
  }
  const t = nowSeconds();
  const end = addMonths(t, Number(months));
  try {
    await db.insert(memberships).values({
      id,
      stripeSubscriptionId: null,
      userId: person.id,
      creatorId: tier.creatorId,
      tierId: tier.id,
      status: "active",
      interval: null,
      amount: 0,
      currency: null,
      currentPeriodStart: t,
      currentPeriodEnd: end,
      comp: true,
      note: `A free membership from the creator, until ${new Date(end * 1000).toISOString().slice(0, 10)}.`,
      createdAt: t,
      updatedAt: t,
    });
  } catch (e) {
    await seats(env, tier.id).end(id); // never keep a seat without its row
    throw e;
  }
  await markSeatsChanged(env, tier.id);
  await queueTxEmail(env, "new_member", `member-new:${id}`, { membershipId: id });
  return { id, email: person.email, endsAt: end };
}

/** Ends comps whose period is over: the seat is freed and the member told once. Run by the minute cron. */
export async function endExpiredComps(env: Env, now = nowSeconds()) {
  const db = getDb(env);
  const due = await db
    .select({ id: memberships.id, tierId: memberships.tierId })
    .from(memberships)
    .where(and(eq(memberships.comp, true), eq(memberships.status, "active"), lte(memberships.currentPeriodEnd, now)))
    .limit(100);
  for (const m of due) {
    await seats(env, m.tierId).end(m.id);
    await db
      .update(memberships)
      .set({ status: "canceled", endReason: "comp_ended", note: "Your free membership has ended.", updatedAt: nowSeconds() })
      .where(and(eq(memberships.id, m.id), eq(memberships.status, "active")));
    await markSeatsChanged(env, m.tierId);
    await queueTxEmail(env, "membership_ended", `membership-ended:${m.id}`, { membershipId: m.id, at: null });
  }
  return due.length;
}

const RemoveInput = v.object({
  membershipId: v.pipe(v.string("Choose a member."), v.minLength(1, "Choose a member.")),
  refund: v.optional(v.picklist(["none", "latest"], "Choose whether to refund the latest payment."), "none"),
});

/** Removes a member now. Paid: canceled at Stripe (optionally refunding the latest invoice); comp or free: the seat is freed. */
export async function removeMember(env: Env, viewer: Viewer, tierId: string, input: unknown) {
  const tier = await requireOwnedTier(env, viewer, tierId);
  const { membershipId, refund } = parseOrThrow(RemoveInput, input);
  const db = getDb(env);
  const m = await db.query.memberships.findFirst({ where: and(eq(memberships.id, membershipId), eq(memberships.tierId, tier.id)) });
  if (!m) throw notFound("That member isn't in this tier.");
  if (!LIVE_MEMBERSHIP_STATUSES.includes(m.status)) throw conflict("This membership has already ended.");
  if (m.stripeSubscriptionId) {
    await removeSubscription(env, m.stripeSubscriptionId, refund === "latest");
  } else {
    if (refund === "latest") throw unprocessable("This membership has no payment to refund.", { refund: "Nothing was paid." });
    await seats(env, tier.id).end(m.id);
    await db.update(memberships).set({ status: "canceled", endReason: "removed", updatedAt: nowSeconds() }).where(eq(memberships.id, m.id));
    await markSeatsChanged(env, tier.id);
    await queueTxEmail(env, "membership_ended", `membership-ended:${m.id}`, { membershipId: m.id, at: null });
  }
  return { refunded: refund === "latest" && !!m.stripeSubscriptionId };
}

/** Emails every live member of the creator's tier (rate-limited; opted-out members skipped). */
export async function messageTierMembers(env: Env, viewer: Viewer, tierId: string, input: unknown) {
  const tier = await requireOwnedTier(env, viewer, tierId);
  return sendTierMessage(env, { id: tier.id, creatorId: tier.creatorId }, input);
}
