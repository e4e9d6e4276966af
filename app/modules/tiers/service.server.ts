import { and, asc, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, parseMoney, priceLimits, toMajorString } from "~/lib/money";
import { getStripe } from "~/lib/stripe.server";
import { overStored, parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { creators } from "~/modules/storefronts/schema";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { memberships, payoutAccounts } from "~/modules/payments/schema";
import { LIVE_MEMBERSHIP_STATUSES, membershipPaused } from "~/modules/content/entitlements.server";
import { tiers } from "./schema";
import { seats } from "./seats.server";
import { TierInput } from "./validation";

type TierRow = typeof tiers.$inferSelect;

export async function requireOwnedTier(env: Env, viewer: Viewer, tierId: string): Promise<TierRow> {
  const t = await getDb(env).query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t) throw notFound("That tier doesn't exist.");
  if (t.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only edit your own tiers.");
  return t;
}

function money(field: string, raw: string, currency: string, required: boolean): number | null {
  if (!raw) {
    if (required) throw unprocessable("Enter a price.", { [field]: "Enter a price." });
    return null;
  }
  const amount = parseMoney(raw, currency);
  if (amount === null) throw unprocessable("Enter a price like 5 or 5.99.", { [field]: "Enter a price like 5 or 5.99." });
  const { min, max } = priceLimits(currency);
  if (amount < min)
    throw unprocessable(`The lowest price is ${formatMoney(min, currency)}.`, {
      [field]: `The lowest price is ${formatMoney(min, currency)}.`,
    });
  if (amount > max)
    throw unprocessable(`The highest price is ${formatMoney(max, currency)}.`, {
      [field]: `The highest price is ${formatMoney(max, currency)}.`,
    });
  return amount;
}

function parseTier(input: unknown) {
  const raw = (input ?? {}) as Record<string, unknown>;
  const t = parseOrThrow(TierInput, {
    ...raw,
    currency: String(raw.currency ?? "usd").toLowerCase(),
    maxSubscribers: String(raw.maxSubscribers ?? ""),
  });
  const benefits = (t.benefits ?? "")
    .split("\n")
    .map((s) => s.trim().replace(/^[-*•]\s*/, ""))
    .filter(Boolean)
    .slice(0, 12);
  let monthly: number | null = null,
    annual: number | null = null,
    minimum: number | null = null;
  if (t.pricing === "fixed") {
    monthly = money("monthly", t.monthly ?? "", t.currency, false);
    annual = money("annual", t.annual ?? "", t.currency, false);
    if (monthly === null && annual === null)
      throw unprocessable("Offer a monthly price, an annual price, or both.", {
        monthly: "Offer a monthly price, an annual price, or both.",
      });
  } else if (t.pricing === "pwyw") {
    minimum = money("minimum", t.minimum ?? "", t.currency, true);
  }
  return { ...t, benefits, monthly, annual, minimum, maxSubscribers: (t.maxSubscribers ?? null) as number | null };
}

/** A stored tier in the edit form's shape (what parseTier reads). */
function tierFormValues(t: typeof tiers.$inferSelect): Record<string, string> {
  const amount = (a: number | null) => (a === null ? "" : toMajorString(a, t.currency));
  return {
    name: t.name,
    description: t.description,
    benefits: t.benefits.join("\n"),
    pricing: t.pricing,
    currency: t.currency,
    monthly: amount(t.monthlyAmount),
    annual: amount(t.annualAmount),
    minimum: amount(t.pwywMinimum),
    maxSubscribers: t.maxSubscribers === null ? "" : String(t.maxSubscribers),
  };
}

/** A short stable digest of what is sent to Stripe (FNV-1a), for idempotency keys. */
function digest(value: unknown): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify(value)) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(36);
}

async function bumpStorefront(env: Env, creatorId: string) {
  await getDb(env)
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creatorId));
}

/**
 * Creates or updates a tier. Paid tiers get a Stripe product and recurring prices; a changed
 * amount creates a NEW price (the old one is archived, existing subscribers stay on it). Then the
 * tier's Durable Object learns its cap.
 */
export async function saveTier(env: Env, viewer: Viewer, tierId: string | null, input: unknown) {
  await requireVerifiedEmail(env, viewer); // D61: publishing and selling wait for a verified address
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator && !tierId) throw forbidden("Open your storefront first — then you can offer memberships.");
  const existing = tierId ? await requireOwnedTier(env, viewer, tierId) : null;
  // An edit: a field the request doesn't carry keeps its stored value (no cap lifted, no text wiped).
  const t = parseTier(existing ? overStored(input, tierFormValues(existing)) : input);
  if (existing && existing.pricing !== t.pricing && (existing.pricing === "free") !== (t.pricing === "free")) {
    const live = await getDb(env)
      .select({ n: sql<number>`count(*)` })
      .from(memberships)
      .where(and(eq(memberships.tierId, existing.id), ne(memberships.status, "canceled")));
    if (Number(live[0]?.n ?? 0) > 0)
      throw conflict("This tier has members, so it can't switch between free and paid. Create a new tier instead.");
  }
  if (existing && existing.currency !== t.currency && existing.stripeProductId)
    throw conflict("A tier's currency can't change once it has prices. Create a new tier instead.");
  const creatorId = existing?.creatorId ?? creator!.userId;
  // A new tier's id comes from its form (`draftId`), so saving again after Stripe failed part-way
  // reuses the Stripe product and prices the first try made (same idempotency keys) instead of
  // leaving them behind and making new ones. A form already saved is answered with its tier.
  let id = existing?.id ?? null;
  if (!id) {
    const draftId = String((input as Record<string, unknown> | null)?.draftId ?? "");
    if (/^[a-z0-9]{20}$/.test(draftId)) {
      const saved = await getDb(env).query.tiers.findFirst({ where: eq(tiers.id, draftId), columns: { creatorId: true } });
      if (saved?.creatorId === creatorId) return { id: draftId };
      if (!saved) id = draftId;
    }
    id ??= newId();
  }
  const stripe = getStripe(env);

  let productId = existing?.stripeProductId ?? null;
  let monthlyPriceId = existing?.stripeMonthlyPriceId ?? null;
  let annualPriceId = existing?.stripeAnnualPriceId ?? null;
  if (t.pricing !== "free") {
    const productData = { name: t.name, description: t.description || undefined, metadata: { tier_id: id, creator_id: creatorId } };
    // Keyed by the tier and what is sent: the same save again gets the same product back.
    if (!productId)
      productId = (await stripe.products.create(productData, { idempotencyKey: `tier-product-${id}-${digest(productData)}` })).id;
    else await stripe.products.update(productId, { name: t.name, description: t.description || "" });
    const syncPrice = async (interval: "month" | "year", amount: number | null, currentId: string | null, currentAmount: number | null) => {
      if (t.pricing !== "fixed" || amount === null) {
        if (currentId) await stripe.prices.update(currentId, { active: false });
        return null;
      }
      if (currentId && currentAmount === amount) return currentId;
      const price = await stripe.prices.create(
        { product: productId!, currency: t.currency, unit_amount: amount, recurring: { interval }, metadata: { tier_id: id } },
        // A retry of this same edit (the row not yet updated) gets the same price back; a later
        // edit back to an earlier amount makes a new price (the old one is archived).
        { idempotencyKey: `tier-price-${id}-${existing?.updatedAt ?? 0}-${productId}-${interval}-${amount}-${t.currency}` },
      );
      if (currentId) await stripe.prices.update(currentId, { active: false });
      return price.id;
    };
    monthlyPriceId = await syncPrice("month", t.monthly, monthlyPriceId, existing?.monthlyAmount ?? null);
    annualPriceId = await syncPrice("year", t.annual, annualPriceId, existing?.annualAmount ?? null);
  }
  const now = nowSeconds();
  const values = {
    name: t.name,
    description: t.description ?? "",
    benefits: t.benefits,
    pricing: t.pricing,
    currency: t.currency,
    monthlyAmount: t.monthly,
    annualAmount: t.annual,
    pwywMinimum: t.minimum,
    maxSubscribers: t.maxSubscribers,
    stripeProductId: productId,
    stripeMonthlyPriceId: monthlyPriceId,
    stripeAnnualPriceId: annualPriceId,
    updatedAt: now,
  };
  const db = getDb(env);
  if (existing) await db.update(tiers).set(values).where(eq(tiers.id, id));
  else {
    const [{ n }] = await db
      .select({ n: sql<number>`count(*)` })
      .from(tiers)
      .where(eq(tiers.creatorId, creatorId));
    // A double submit of the same form may race here: the second insert is a no-op.
    await db
      .insert(tiers)
      .values({ id, creatorId, ...values, status: "active", position: Number(n), createdAt: now })
      .onConflictDoNothing();
  }
  await seats(env, id).configure(id, t.maxSubscribers);
  await bumpStorefront(env, creatorId);
  return { id };
}

export async function setTierStatus(env: Env, viewer: Viewer, tierId: string, status: "active" | "archived") {
  const t = await requireOwnedTier(env, viewer, tierId);
  await getDb(env).update(tiers).set({ status, updatedAt: nowSeconds() }).where(eq(tiers.id, tierId));
  await bumpStorefront(env, t.creatorId);
}

/** "3 of 10 seats left", "1 of 1 seat left": the noun agrees with the tier's cap. */
export function seatsLeftLabel(seatsLeft: number | null, maxSubscribers: number | null) {
  if (seatsLeft === null || maxSubscribers === null) return null;
  return `${Math.max(0, seatsLeft)} of ${maxSubscribers} ${maxSubscribers === 1 ? "seat" : "seats"} left`;
}

export function presentTier(t: TierRow, extra: { seatsLeft: number | null; sellable: boolean }) {
  const prices: { interval: "month" | "year"; label: string; amount: number }[] = [];
  if (t.pricing === "fixed") {
    if (t.monthlyAmount !== null)
      prices.push({ interval: "month", label: `${formatMoney(t.monthlyAmount, t.currency)} / month`, amount: t.monthlyAmount });
    if (t.annualAmount !== null)
      prices.push({ interval: "year", label: `${formatMoney(t.annualAmount, t.currency)} / year`, amount: t.annualAmount });
  }
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    benefits: t.benefits ?? [],
    pricing: t.pricing as "free" | "fixed" | "pwyw",
    currency: t.currency,
    prices,
    minimum:
      t.pwywMinimum !== null
        ? { label: formatMoney(t.pwywMinimum, t.currency), amount: t.pwywMinimum, input: toMajorString(t.pwywMinimum, t.currency) }
        : null,
    priceLabel:
      t.pricing === "free"
        ? "Free"
        : t.pricing === "pwyw"
          ? `Pay what you want, from ${formatMoney(t.pwywMinimum ?? 0, t.currency)} / month`
          : prices.map((p) => p.label).join(" or "),
    maxSubscribers: t.maxSubscribers,
    seatsLeft: extra.seatsLeft,
    seatsLeftLabel: seatsLeftLabel(extra.seatsLeft, t.maxSubscribers),
    full: extra.seatsLeft !== null && extra.seatsLeft <= 0,
    /** Paid tiers of creators who can't take charges yet show as "coming soon". */
    sellable: t.pricing === "free" || extra.sellable,
    status: t.status,
    monthlyInput: t.monthlyAmount !== null ? toMajorString(t.monthlyAmount, t.currency) : "",
    annualInput: t.annualAmount !== null ? toMajorString(t.annualAmount, t.currency) : "",
  };
}
export type PresentedTier = ReturnType<typeof presentTier>;

/** Tiers for the storefront (active only) or the dashboard (all), with live seat counts. */
/** A creator's tiers in display order (batchable: the storefront folds it into one D1 batch). */
export function creatorTiersQuery(db: ReturnType<typeof getDb>, creatorId: string | SQL, opts: { includeArchived?: boolean } = {}) {
  const where = opts.includeArchived ? eq(tiers.creatorId, creatorId) : and(eq(tiers.creatorId, creatorId), eq(tiers.status, "active"));
  return db.select().from(tiers).where(where).orderBy(asc(tiers.position), asc(tiers.createdAt));
}

/** Presents tiers with seats left on capped ones, asked of each tier's Durable Object in parallel. */
export async function presentTiersWithSeats(env: Env, rows: TierRow[], sellable: boolean) {
  const left = await Promise.all(rows.map((t) => (t.maxSubscribers === null ? null : seats(env, t.id).left())));
  return rows.map((t, i) => presentTier(t, { seatsLeft: left[i], sellable }));
}

export async function listTiers(env: Env, creatorId: string, opts: { includeArchived?: boolean } = {}) {
  const db = getDb(env);
  const [rows, acct] = await Promise.all([
    creatorTiersQuery(db, creatorId, opts),
    db.query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, creatorId) }),
  ]);
  return presentTiersWithSeats(env, rows, !!acct?.chargesEnabled);
}

/** The tier page: the tier, its creator, and the viewer's standing (member, waitlisted, offered). */
export async function getTierPage(env: Env, tierId: string, viewer: Viewer | null) {
  const db = getDb(env);
  const t = await db.query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t) return null;
  const isOwner = viewer?.id === t.creatorId;
  if (t.status !== "active" && !isOwner) return null;
  const [creator, acct, status, mine] = await Promise.all([
    db.query.creators.findFirst({ where: eq(creators.userId, t.creatorId) }),
    db.query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, t.creatorId) }),
    seats(env, t.id).status(viewer?.id),
    viewer
      ? db
          .select({ status: memberships.status, paused: membershipPaused })
          .from(memberships)
          .where(
            and(eq(memberships.userId, viewer.id), eq(memberships.tierId, t.id), inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES)),
          )
          .limit(1)
      : Promise.resolve([]),
  ]);
  // A suspended or deleted creator's tiers are hidden everywhere (decision 67).
  if (!creator || creator.hiddenAt !== null) return null;
  return {
    tier: presentTier(t, { seatsLeft: t.maxSubscribers === null ? null : status.seatsLeft, sellable: !!acct?.chargesEnabled }),
    creator: creator ? { handle: creator.handle, displayName: creator.displayName } : null,
    isOwner,
    membership: mine[0] ? { status: mine[0].status, paused: mine[0].paused } : null,
    waitlistPosition: status.waitlistPosition ?? null,
    offerExpiresAt: status.offerExpiresAt ?? null,
    waitlistCount: status.waitlist,
  };
}
