/**
 * Switching tiers (D65, D66): a person holds at most one PAID membership of a creator. Choosing
 * another paid tier (or the other interval of the same tier) switches the one subscription instead
 * of opening a second checkout.
 *  - upgrade (higher monthly-equivalent price): at once, with Stripe's proration invoiced and
 *    charged immediately (`always_invoice`); the buyer confirms the previewed amount, and the same
 *    `proration_date` is sent with the update so the charge equals the preview to the cent;
 *  - downgrade: at the period end, through a subscription schedule whose second phase carries the
 *    new price and the new tier in its metadata.
 * The seat moves atomically: the new tier's TierSeats object holds a seat (`holdSwitch`) before
 * Stripe is asked; the subscription's metadata then names the new tier and seat key, and
 * `syncSubscription` confirms the new seat before it ends the old one. A full tier refuses (409,
 * with the waitlist offer). One switch at a time per person and creator (the `tier_switches` lock).
 */
import { getStripe, type Stripe } from "~/lib/stripe.server";
import { AppError, conflict, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, PLATFORM_FEE_PERCENT } from "~/lib/money";
import type { Viewer } from "~/modules/identity/auth.server";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { syncSubscription } from "./events.server";
import { claimSwitch, finishSwitch, livePaidMemberships, membershipById, tierById, withdrawScheduledSwitches } from "./queries.server";

type Interval = "month" | "year";
type TierRow = NonNullable<Awaited<ReturnType<typeof tierById>>>;
type MembershipRow = NonNullable<Awaited<ReturnType<typeof membershipById>>>;

/** A price per month, for comparing monthly and annual prices (×12 keeps it in integers). */
export const perYear = (amount: number, interval: string | null) => (interval === "year" ? amount : amount * 12);

/** A switch that waits for the period end keeps its seat in the new tier held until a day after it. */
const PENDING_HOLD_GRACE_SECONDS = 24 * 60 * 60;
/** An upgrade's seat hold: long enough for the Stripe call and the sync that confirms it. */
const UPGRADE_HOLD_SECONDS = 10 * 60;
/** How old a previewed proration date may be when the buyer confirms (then they see a new preview). */
const PREVIEW_VALID_SECONDS = 30 * 60;

export class SwitchFullError extends AppError {
  constructor(public readonly tierId: string) {
    super(409, "This tier is full right now, so you can't switch to it. Join the waitlist and we'll hold the next free seat for you.", {
      waitlist: `/tiers/${tierId}`,
    });
  }
}

function priceFor(t: TierRow, interval: Interval): { priceId: string; amount: number } | null {
  if (t.pricing !== "fixed") return null;
  const priceId = interval === "year" ? t.stripeAnnualPriceId : t.stripeMonthlyPriceId;
  const amount = interval === "year" ? t.annualAmount : t.monthlyAmount;
  return priceId && amount !== null ? { priceId, amount } : null;
}

/** The person's live paid membership of this tier's creator, if any (the one a switch starts from). */
export async function currentPaidMembership(env: Env, userId: string, creatorId: string): Promise<MembershipRow | null> {
  const rows = await livePaidMemberships(env, userId, creatorId);
  return rows[0] ?? null;
}

export type SwitchOption = {
  interval: Interval;
  priceLabel: string;
  kind: "upgrade" | "downgrade";
  /** Upgrade: what is charged now (minor units, after the credit for unused time). */
  amountDue: number | null;
  amountDueLabel: string | null;
  prorationDate: number | null;
  /** Downgrade: when it takes effect (the period end). */
  effectiveAt: number | null;
};

export type SwitchOffer = {
  fromTierName: string;
  fromTierId: string;
  fromLabel: string;
  currentInterval: Interval;
  periodEnd: number | null;
  options: SwitchOption[];
  /** Set when switching here isn't possible (pay-what-you-want target, paused membership…). */
  refused: string | null;
  pending: { tierId: string; at: number | null } | null;
};

/**
 * What the tier page offers an existing paid member of another tier (or interval) of the same
 * creator: for each price of this tier, upgrade (with Stripe's preview of the prorated charge) or
 * downgrade (with the date it takes effect). Null when the viewer has no paid membership there.
 */
export async function getSwitchOffer(env: Env, viewer: Viewer, tierId: string): Promise<SwitchOffer | null> {
  const t = await tierById(env, tierId);
  if (!t || t.status !== "active" || t.pricing === "free" || t.creatorId === viewer.id) return null;
  const m = await currentPaidMembership(env, viewer.id, t.creatorId);
  if (!m || !m.stripeSubscriptionId) return null;
  const from = m.tierId === t.id ? t : await tierById(env, m.tierId);
  const currentInterval = (m.interval ?? "month") as Interval;
  const offer: SwitchOffer = {
    fromTierName: from?.name ?? "your tier",
    fromTierId: m.tierId,
    fromLabel: `${formatMoney(m.amount, m.currency ?? t.currency)} / ${currentInterval}`,
    currentInterval,
    periodEnd: m.currentPeriodEnd,
    options: [],
    refused: null,
    pending: m.pendingTierId ? { tierId: m.pendingTierId, at: m.pendingAt } : null,
  };
  if (t.pricing !== "fixed") {
    offer.refused =
      "Switching to a pay-what-you-want tier isn't possible yet: cancel your current membership at the period end, then join this tier.";
    return offer;
  }
  if (t.currency !== (m.currency ?? t.currency)) {
    offer.refused = "This tier is priced in another currency, so you can't switch to it.";
    return offer;
  }
  const stripe = getStripe(env);
  const sub = await stripe.subscriptions.retrieve(m.stripeSubscriptionId);
  const item = sub.items.data[0];
  const prorationDate = nowSeconds();
  for (const interval of ["month", "year"] as const) {
    const p = priceFor(t, interval);
    if (!p) continue;
    if (m.tierId === t.id && interval === currentInterval) continue; // the membership they have
    const kind = perYear(p.amount, interval) > perYear(m.amount, currentInterval) ? "upgrade" : "downgrade";
    const option: SwitchOption = {
      interval,
      priceLabel: `${formatMoney(p.amount, t.currency)} / ${interval}`,
      kind,
      amountDue: null,
      amountDueLabel: null,
      prorationDate: null,
      effectiveAt: null,
    };
    if (kind === "upgrade") {
      const preview = await stripe.invoices.createPreview({
        subscription: sub.id,
        subscription_details: {
          items: [{ id: item.id, price: p.priceId }],
          proration_behavior: "always_invoice",
          proration_date: prorationDate,
        },
      });
      option.amountDue = preview.amount_due;
      option.amountDueLabel = formatMoney(preview.amount_due, t.currency);
      option.prorationDate = prorationDate;
    } else {
      option.effectiveAt = item.current_period_end ?? m.currentPeriodEnd;
    }
    offer.options.push(option);
  }
  return offer;
}

export type SwitchResult = { kind: "upgrade" | "downgrade"; message: string; amountDue: number | null; effectiveAt: number | null };

/**
 * Switches the viewer's paid membership of this tier's creator to this tier at `interval`.
 * Upgrades are charged at once (the prorated amount previewed with `prorationDate`), downgrades
 * are scheduled for the period end. Throws 409 when the tier is full or another switch is running.
 */
export async function switchTier(
  env: Env,
  viewer: Viewer,
  tierId: string,
  input: { interval?: string; prorationDate?: string | number },
): Promise<SwitchResult> {
  const t = await tierById(env, tierId);
  if (!t || t.status !== "active") throw notFound("That tier isn't available.");
  if (t.creatorId === viewer.id) throw conflict("You can't subscribe to your own tier.");
  const interval: Interval = input.interval === "year" ? "year" : "month";
  const target = priceFor(t, interval);
  if (t.pricing !== "fixed" || !target)
    throw unprocessable(
      t.pricing === "pwyw"
        ? "Switching to a pay-what-you-want tier isn't possible yet: cancel your current membership at the period end, then join this tier."
        : interval === "year"
          ? "This tier has no annual price."
          : "This tier has no monthly price.",
    );
  const m = await currentPaidMembership(env, viewer.id, t.creatorId);
  if (!m || !m.stripeSubscriptionId) throw conflict("You don't have a paid membership with this creator to switch from.");
  if (m.tierId === t.id && m.interval === interval) throw conflict("You're already a member of this tier.");
  const kind = perYear(target.amount, interval) > perYear(m.amount, m.interval) ? "upgrade" : "downgrade";
  const now = nowSeconds();
  let prorationDate = now;
  if (kind === "upgrade" && input.prorationDate !== undefined && input.prorationDate !== "") {
    const pd = Number(input.prorationDate);
    if (!Number.isInteger(pd) || pd > now + 5 || pd < now - PREVIEW_VALID_SECONDS)
      throw conflict("That price preview has expired. Check the new amount and confirm again.");
    prorationDate = pd;
  }
  const switchId = `sw_${newId(16)}`;
  const claimed = await claimSwitch(env, {
    id: switchId,
    userId: viewer.id,
    creatorId: t.creatorId,
    stripeSubscriptionId: m.stripeSubscriptionId,
    fromTierId: m.tierId,
    toTierId: t.id,
    toInterval: interval,
    kind,
    status: "open",
    prorationDate: kind === "upgrade" ? prorationDate : null,
    createdAt: now,
  });
  if (!claimed) throw conflict("You're already switching tiers with this creator. Wait a moment and try again.");
  const stripe = getStripe(env);
  const moving = m.tierId !== t.id;
  let held = false;
  try {
    const sub = await stripe.subscriptions.retrieve(m.stripeSubscriptionId);
    const meta = sub.metadata ?? {};
    if (sub.schedule) await withdrawPending(env, sub, m);
    const item = sub.items.data[0];
    const periodEnd = item.current_period_end ?? m.currentPeriodEnd ?? now;
    if (moving) {
      const expiresAt = kind === "upgrade" ? now + UPGRADE_HOLD_SECONDS : periodEnd + PENDING_HOLD_GRACE_SECONDS;
      const r = await seats(env, t.id).holdSwitch({ holdId: switchId, userId: viewer.id, expiresAt });
      if (!r.ok && r.reason === "already_member") throw conflict("You're already a member of this tier.");
      if (!r.ok) throw new SwitchFullError(t.id);
      held = true;
      await markSeatsChanged(env, t.id);
    }
    const nextMeta = moving ? { ...meta, tier_id: t.id, hold_id: switchId, seat_key: switchId } : { ...meta };
    if (kind === "upgrade") {
      await stripe.subscriptions.update(
        sub.id,
        {
          items: [{ id: item.id, price: target.priceId }],
          proration_behavior: "always_invoice",
          proration_date: prorationDate,
          payment_behavior: "error_if_incomplete",
          metadata: nextMeta,
        },
        { idempotencyKey: `switch-${switchId}` },
      );
      // Apply now (the webhooks will find it done): new seat confirmed, old one ended, row moved.
      await syncSubscription(env, sub.id);
      const latest = await stripe.subscriptions.retrieve(sub.id);
      const inv = latest.latest_invoice ? await stripe.invoices.retrieve(String(latest.latest_invoice)) : null;
      const amountDue = inv?.billing_reason === "subscription_update" ? inv.amount_paid : 0;
      await finishSwitch(env, switchId, { status: "applied", amountDue, effectiveAt: prorationDate });
      return {
        kind,
        amountDue,
        effectiveAt: prorationDate,
        message: `You're now a member of ${t.name}. ${amountDue > 0 ? `We charged ${formatMoney(amountDue, t.currency)} for the rest of this period.` : "Nothing more was charged for this period."}`,
      };
    }
    // Downgrade: a schedule whose next phase, from the period end, has the new price and tier.
    const schedule = await stripe.subscriptionSchedules.create(
      { from_subscription: sub.id },
      { idempotencyKey: `switch-schedule-${switchId}` },
    );
    const phase0 = schedule.phases[0];
    const connect = {
      application_fee_percent: PLATFORM_FEE_PERCENT,
      ...(sub.transfer_data?.destination ? { transfer_data: { destination: String(sub.transfer_data.destination) } } : {}),
    };
    await stripe.subscriptionSchedules.update(
      schedule.id,
      {
        end_behavior: "release",
        phases: [
          {
            start_date: phase0.start_date,
            end_date: phase0.end_date,
            items: [{ price: item.price.id, quantity: item.quantity ?? 1 }],
            metadata: { ...meta },
            ...connect,
          },
          {
            items: [{ price: target.priceId, quantity: 1 }],
            duration: { interval, interval_count: 1 },
            metadata: nextMeta,
            ...connect,
          },
        ],
      },
      { idempotencyKey: `switch-phases-${switchId}` },
    );
    await syncSubscription(env, sub.id);
    await finishSwitch(env, switchId, { status: "scheduled", effectiveAt: phase0.end_date });
    return {
      kind,
      amountDue: null,
      effectiveAt: phase0.end_date,
      message: `Your switch to ${t.name} (${formatMoney(target.amount, t.currency)} / ${interval}) takes effect on ${new Date(phase0.end_date * 1000).toUTCString().slice(0, 16)}. Until then you keep your current tier.`,
    };
  } catch (e) {
    await finishSwitch(env, switchId, { status: "failed" });
    if (held) {
      await seats(env, t.id).release({ holdId: switchId });
      await markSeatsChanged(env, t.id);
    }
    throw e;
  }
}

/** Releases the subscription's schedule (a pending downgrade) and the seat it held in the other tier. */
async function withdrawPending(env: Env, sub: Stripe.Subscription, m: MembershipRow) {
  const stripe = getStripe(env);
  const scheduleId = typeof sub.schedule === "string" ? sub.schedule : sub.schedule?.id;
  if (scheduleId) {
    const schedule = await stripe.subscriptionSchedules.retrieve(scheduleId);
    const next = schedule.phases.find((p) => p.start_date >= (sub.items.data[0].current_period_end ?? 0));
    if (schedule.status === "active" || schedule.status === "not_started") await stripe.subscriptionSchedules.release(scheduleId);
    const holdId = next?.metadata?.hold_id;
    const tierId = next?.metadata?.tier_id;
    if (holdId && tierId && tierId !== m.tierId && holdId !== sub.metadata?.hold_id) {
      await seats(env, tierId).release({ holdId });
      await markSeatsChanged(env, tierId);
    }
  }
  await withdrawScheduledSwitches(env, sub.id);
}

/** "Keep my current tier": withdraws a pending downgrade. */
export async function cancelPendingSwitch(env: Env, viewer: Viewer, membershipId: string) {
  const m = await membershipById(env, membershipId);
  if (!m || m.userId !== viewer.id || !m.stripeSubscriptionId) throw notFound("That membership isn't yours.");
  const sub = await getStripe(env).subscriptions.retrieve(m.stripeSubscriptionId);
  if (!sub.schedule) return;
  await withdrawPending(env, sub, m);
  await syncSubscription(env, sub.id);
}
