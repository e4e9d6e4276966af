/**
 * Affiliate programs (creator → affiliates) and platform referrals (creator → creator), decision
 * 0109–0111: programs and joining, link clicks and attribution (a signed first-party cookie plus
 * the signed-in person), the commissions ledger written from the verified payment webhooks,
 * proportional reversal on refunds, and payouts as Stripe transfers.
 */
import { and, desc, eq, gte, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { secrets } from "~/lib/secrets";
import { clientIp } from "~/lib/http.server";
import { getStripe, type Stripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { users } from "~/modules/identity/schema";
import { invoices, orders, payoutAccounts } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { bookings, servicePacks, services } from "~/modules/services/schema";
import { creators } from "~/modules/storefronts/schema";
import { tiers } from "~/modules/tiers/schema";
import {
  affiliateAttributions,
  affiliateClickDays,
  affiliateProgramItems,
  affiliatePrograms,
  affiliates,
  commissionPayouts,
  commissions,
  platformReferrals,
  referralCodes,
} from "./schema";
import { AFFILIATE_CODE, normaliseAffiliateCode, ProgramInput } from "./validation";

const DAY = 86_400;
/** Platform referrals: the referrer's share of the platform fee, and for how long (decision 0111). */
export const REFERRAL_PERCENT = 20;
export const REFERRAL_MONTHS = 12;

/** round half up of base × percent / 100, in integer minor units (base, percent ≥ 0). */
export function commissionOf(base: number, percent: number): number {
  if (!Number.isSafeInteger(base) || base < 0 || !Number.isInteger(percent) || percent < 0)
    throw new RangeError(`bad commission input ${base} × ${percent}%`);
  return Math.floor((base * percent + 50) / 100);
}

/** What of a commission a refund of `refunded` out of `gross` takes back: its share, round half up; all of it once fully refunded. */
export function reversedShare(amount: number, gross: number, refunded: number): number {
  if (gross <= 0 || refunded <= 0) return 0;
  if (refunded >= gross) return amount;
  return Math.min(amount, Math.floor((amount * refunded * 2 + gross) / (2 * gross)));
}

/** `t` plus `months` calendar months (UTC, clamped to the month's end). */
export function addMonths(t: number, months: number): number {
  const d = new Date(t * 1000);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return Math.floor(target.getTime() / 1000);
}

const randomCode = () => {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
};

async function requireCreatorRow(env: Env, viewer: Viewer) {
  const c = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, viewer.id) });
  if (!c) throw forbidden("Open your storefront first — affiliate programs belong to a creator.");
  return c;
}

// ── Programs (creator side) ──────────────────────────────────────────────────────────────────────

/** Turns on (or updates) the viewer's program for the chosen products and tiers. */
export async function saveProgram(env: Env, viewer: Viewer, raw: unknown) {
  await requireCreatorRow(env, viewer);
  const input = parseOrThrow(ProgramInput, raw);
  const db = getDb(env);
  const chosen = [...new Set(input.items)].map((s) => {
    const [kind, itemId] = s.split(":") as ["product" | "tier" | "service", string];
    return { kind, itemId };
  });
  if (!chosen.length)
    throw unprocessable("Choose at least one product or tier for affiliates to promote.", { items: "Choose at least one." });
  if (chosen.length > 90) throw unprocessable("Choose at most 90 offerings.", { items: "Too many." });
  const productIds = chosen.filter((c) => c.kind === "product").map((c) => c.itemId);
  const tierIds = chosen.filter((c) => c.kind === "tier").map((c) => c.itemId);
  const serviceIds = chosen.filter((c) => c.kind === "service").map((c) => c.itemId);
  const [ownP, ownT, ownS] = await Promise.all([
    productIds.length
      ? db
          .select({ id: products.id })
          .from(products)
          .where(and(eq(products.creatorId, viewer.id), inArray(products.id, productIds)))
      : [],
    tierIds.length
      ? db
          .select({ id: tiers.id })
          .from(tiers)
          .where(and(eq(tiers.creatorId, viewer.id), inArray(tiers.id, tierIds)))
      : [],
    serviceIds.length
      ? db
          .select({ id: services.id })
          .from(services)
          .where(and(eq(services.creatorId, viewer.id), inArray(services.id, serviceIds)))
      : [],
  ]);
  if (ownP.length !== productIds.length || ownT.length !== tierIds.length || ownS.length !== serviceIds.length)
    throw forbidden("You can only choose your own products, tiers and services.");
  const t = nowSeconds();
  await db.batch([
    bumpStorefront(db, viewer.id),
    db
      .insert(affiliatePrograms)
      .values({
        creatorId: viewer.id,
        commissionPercent: input.commissionPercent,
        cookieDays: input.cookieDays,
        recurringMonths: input.recurringMonths,
        status: "active",
        createdAt: t,
        updatedAt: t,
      })
      .onConflictDoUpdate({
        target: affiliatePrograms.creatorId,
        set: {
          commissionPercent: input.commissionPercent,
          cookieDays: input.cookieDays,
          recurringMonths: input.recurringMonths,
          status: "active",
          updatedAt: t,
        },
      }),
    db.delete(affiliateProgramItems).where(eq(affiliateProgramItems.creatorId, viewer.id)),
    db.insert(affiliateProgramItems).values(chosen.map((c) => ({ creatorId: viewer.id, ...c }))),
  ]);
}

/** Pauses the program: no new commissions (clicks still count); what was earned stays. */
export async function pauseProgram(env: Env, viewer: Viewer) {
  const db = getDb(env);
  const [r] = await db.batch([
    db
      .update(affiliatePrograms)
      .set({ status: "paused", updatedAt: nowSeconds() })
      .where(eq(affiliatePrograms.creatorId, viewer.id))
      .returning({ id: affiliatePrograms.creatorId }),
    bumpStorefront(db, viewer.id),
  ]);
  if (!r.length) throw notFound("You have no affiliate program yet.");
}

/** The storefront shows the program's invitation: a change to the program is a new cached page. */
const bumpStorefront = (db: ReturnType<typeof getDb>, creatorId: string) =>
  db
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creatorId));

/** The creator removes an affiliate: their links stop earning; commissions already earned stay. */
export async function removeAffiliate(env: Env, viewer: Viewer, affiliateId: string) {
  const r = await getDb(env)
    .update(affiliates)
    .set({ status: "removed" })
    .where(and(eq(affiliates.id, affiliateId), eq(affiliates.creatorId, viewer.id)))
    .returning({ id: affiliates.id });
  if (!r.length) throw notFound("That affiliate isn't in your program.");
}

/** The creator's /dashboard/affiliates: program, offerings to choose from, affiliates with their figures. */
export async function creatorAffiliatesPage(env: Env, viewer: Viewer) {
  await requireCreatorRow(env, viewer);
  const db = getDb(env);
  const [program, items, myProducts, myTiers, myServices, people, totals] = await Promise.all([
    db.query.affiliatePrograms.findFirst({ where: eq(affiliatePrograms.creatorId, viewer.id) }),
    db.select().from(affiliateProgramItems).where(eq(affiliateProgramItems.creatorId, viewer.id)),
    db
      .select({ id: products.id, title: products.title, status: products.status })
      .from(products)
      .where(eq(products.creatorId, viewer.id))
      .orderBy(desc(products.createdAt))
      .limit(200),
    db
      .select({ id: tiers.id, name: tiers.name, pricing: tiers.pricing, status: tiers.status })
      .from(tiers)
      .where(eq(tiers.creatorId, viewer.id))
      .limit(100),
    db
      .select({ id: services.id, title: services.title, status: services.status })
      .from(services)
      .where(eq(services.creatorId, viewer.id))
      .limit(100),
    db
      .select({
        id: affiliates.id,
        code: affiliates.code,
        status: affiliates.status,
        clicks: affiliates.clicks,
        uniqueClicks: affiliates.uniqueClicks,
        createdAt: affiliates.createdAt,
        email: users.email,
        handle: creators.handle,
        conversions: sql<number>`(SELECT COUNT(*) FROM commissions c WHERE c.affiliate_id = ${affiliates.id} AND c.kind = 'affiliate')`,
        earned: sql<number>`(SELECT COALESCE(SUM(c.amount - c.reversed), 0) FROM commissions c WHERE c.affiliate_id = ${affiliates.id} AND c.kind = 'affiliate')`,
        currency: sql<string>`COALESCE((SELECT c.currency FROM commissions c WHERE c.affiliate_id = ${affiliates.id} LIMIT 1), 'usd')`,
      })
      .from(affiliates)
      .innerJoin(users, eq(users.id, affiliates.userId))
      .leftJoin(creators, eq(creators.userId, affiliates.userId))
      .where(eq(affiliates.creatorId, viewer.id))
      .orderBy(desc(affiliates.createdAt))
      .limit(200),
    ledgerTotals(env, eq(commissions.creatorId, viewer.id), "affiliate"),
  ]);
  const referrals = await referralSummary(env, viewer.id);
  return {
    program: program ?? null,
    chosen: items.map((i) => `${i.kind}:${i.itemId}`),
    products: myProducts.filter((p) => p.status !== "archived"),
    tiers: myTiers.filter((t) => t.pricing !== "free" && t.status === "active"),
    services: myServices.filter((x) => x.status === "published"),
    affiliates: people.map((p) => ({ ...p, email: p.handle ? null : maskEmail(p.email) })),
    totals,
    referrals,
  };
}

const maskEmail = (e: string) => {
  const [name, host] = e.split("@");
  return `${name.slice(0, 2)}…@${host}`;
};

/** Ledger figures by status (pending turns payable at `availableAt`), per currency. */
async function ledgerTotals(env: Env, where: ReturnType<typeof eq>, kind?: "affiliate" | "referral") {
  const t = nowSeconds();
  const rows = await getDb(env)
    .select({
      currency: commissions.currency,
      state: sql<string>`CASE WHEN ${commissions.status} = 'pending' AND ${commissions.availableAt} <= ${t} THEN 'payable' ELSE ${commissions.status} END`,
      net: sql<number>`SUM(${commissions.amount} - ${commissions.reversed})`,
      reversed: sql<number>`SUM(${commissions.reversed})`,
      n: sql<number>`COUNT(*)`,
    })
    .from(commissions)
    .where(kind ? and(where, eq(commissions.kind, kind)) : where)
    .groupBy(sql`1`, sql`2`);
  const out: Record<string, { pending: number; payable: number; paid: number; reversed: number; conversions: number }> = {};
  for (const r of rows) {
    const o = (out[r.currency] ??= { pending: 0, payable: 0, paid: 0, reversed: 0, conversions: 0 });
    o.conversions += r.n;
    o.reversed += r.reversed;
    if (r.state === "pending") o.pending += r.net;
    else if (r.state === "payable") o.payable += r.net;
    else if (r.state === "paid") o.paid += r.net;
  }
  return Object.entries(out).map(([currency, v]) => ({ currency, ...v }));
}

/** What a page shows to invite sharing: the program's percent and where to join (null without an active program covering the item). */
export type ProgramInvite = { percent: number; href: string } | null;

/**
 * The "Earn N% by sharing" link on a creator's public pages: the storefront (any active program) and
 * the product, tier and service pages the program covers. The same for every viewer (pages stay
 * shareable and cacheable); one statement, found by handle and slug (or tier id) so it runs beside
 * the page's own queries.
 */
export async function programInvite(
  env: Env,
  q:
    | { kind: "storefront"; handle: string }
    | { kind: "product" | "service"; handle: string; slug: string }
    | { kind: "tier"; tierId: string },
): Promise<ProgramInvite> {
  const db = getDb(env);
  const base = db
    .select({ percent: affiliatePrograms.commissionPercent, handle: creators.handle })
    .from(affiliatePrograms)
    .innerJoin(creators, eq(creators.userId, affiliatePrograms.creatorId));
  const active = eq(affiliatePrograms.status, "active");
  const itemIn = (kind: string, ids: ReturnType<typeof sql>) =>
    sql`EXISTS (SELECT 1 FROM ${affiliateProgramItems} i WHERE i.creator_id = ${affiliatePrograms.creatorId} AND i.kind = ${kind} AND i.item_id IN ${ids})`;
  let rows;
  if (q.kind === "storefront") rows = await base.where(and(active, eq(creators.handle, q.handle.toLowerCase()))).limit(1);
  else if (q.kind === "tier") rows = await base.where(and(active, itemIn("tier", sql`(${q.tierId})`))).limit(1);
  else {
    const table = q.kind === "product" ? products : services;
    const ids = sql`(SELECT ${table.id} FROM ${table} WHERE ${table.creatorId} = ${affiliatePrograms.creatorId} AND ${table.slug} = ${q.slug.toLowerCase()})`;
    rows = await base.where(and(active, eq(creators.handle, q.handle.toLowerCase()), itemIn(q.kind, ids))).limit(1);
  }
  const r = rows[0];
  return r ? { percent: r.percent, href: `/@${r.handle}/affiliates` } : null;
}

// ── Joining (affiliate side) ─────────────────────────────────────────────────────────────────────

/** The public view of a creator's program (the join card on /@handle/affiliates). */
export async function programByHandle(env: Env, handle: string, viewer: Viewer | null) {
  const db = getDb(env);
  const c = await db.query.creators.findFirst({ where: eq(creators.handle, handle.toLowerCase()) });
  if (!c || c.hiddenAt !== null) throw notFound("That creator doesn't exist.");
  const program = await db.query.affiliatePrograms.findFirst({ where: eq(affiliatePrograms.creatorId, c.userId) });
  const mine = viewer
    ? await db.query.affiliates.findFirst({ where: and(eq(affiliates.creatorId, c.userId), eq(affiliates.userId, viewer.id)) })
    : null;
  return {
    creator: { handle: c.handle, displayName: c.displayName, userId: c.userId },
    program: program && program.status === "active" ? program : null,
    isOwner: viewer?.id === c.userId,
    membership: mine ? { code: mine.code, status: mine.status } : null,
  };
}

/**
 * Joining a program (decision 0109): any signed-in person with a verified email joins instantly —
 * not the creator themself, and not someone the creator removed. Idempotent: a member gets their code.
 */
export async function joinProgram(env: Env, viewer: Viewer, handle: string): Promise<{ code: string }> {
  const db = getDb(env);
  const { creator, program, isOwner } = await programByHandle(env, handle, viewer);
  if (!program) throw notFound("This creator has no affiliate program right now.");
  if (isOwner) throw conflict("This is your own program — share your products directly.");
  const u = await db.query.users.findFirst({ where: eq(users.id, viewer.id), columns: { emailVerifiedAt: true } });
  if (!u?.emailVerifiedAt) throw forbidden("Confirm your email address first (check your inbox), then join.");
  for (let attempt = 0; attempt < 3; attempt++) {
    const [row] = await db
      .insert(affiliates)
      .values({ id: newId(), creatorId: creator.userId, userId: viewer.id, code: randomCode(), status: "active", createdAt: nowSeconds() })
      .onConflictDoNothing()
      .returning({ code: affiliates.code });
    if (row) return row;
    const existing = await db.query.affiliates.findFirst({
      where: and(eq(affiliates.creatorId, creator.userId), eq(affiliates.userId, viewer.id)),
    });
    if (existing?.status === "removed") throw forbidden("The creator removed you from this program.");
    if (existing) return { code: existing.code };
    // The random code collided with someone else's: try another.
  }
  throw new Error("could not allocate an affiliate code");
}

/** The affiliate's /dashboard/affiliate: programs joined with links, clicks, conversions, earnings by status. */
export async function affiliateDashboard(env: Env, viewer: Viewer, origin: string) {
  const db = getDb(env);
  const mine = await db
    .select({
      id: affiliates.id,
      code: affiliates.code,
      status: affiliates.status,
      clicks: affiliates.clicks,
      uniqueClicks: affiliates.uniqueClicks,
      creatorId: affiliates.creatorId,
      handle: creators.handle,
      displayName: creators.displayName,
      percent: affiliatePrograms.commissionPercent,
      cookieDays: affiliatePrograms.cookieDays,
      recurringMonths: affiliatePrograms.recurringMonths,
      programStatus: affiliatePrograms.status,
      conversions: sql<number>`(SELECT COUNT(*) FROM commissions c WHERE c.affiliate_id = ${affiliates.id})`,
    })
    .from(affiliates)
    .innerJoin(creators, eq(creators.userId, affiliates.creatorId))
    .leftJoin(affiliatePrograms, eq(affiliatePrograms.creatorId, affiliates.creatorId))
    .where(eq(affiliates.userId, viewer.id))
    .limit(100);
  const creatorIds = mine.map((m) => m.creatorId);
  const items = creatorIds.length
    ? await db
        .select({
          creatorId: affiliateProgramItems.creatorId,
          kind: affiliateProgramItems.kind,
          itemId: affiliateProgramItems.itemId,
          productTitle: products.title,
          productSlug: products.slug,
          productStatus: products.status,
          tierName: tiers.name,
          tierStatus: tiers.status,
          serviceTitle: services.title,
          serviceSlug: services.slug,
          serviceStatus: services.status,
        })
        .from(affiliateProgramItems)
        .leftJoin(products, and(eq(affiliateProgramItems.kind, "product"), eq(products.id, affiliateProgramItems.itemId)))
        .leftJoin(tiers, and(eq(affiliateProgramItems.kind, "tier"), eq(tiers.id, affiliateProgramItems.itemId)))
        .leftJoin(services, and(eq(affiliateProgramItems.kind, "service"), eq(services.id, affiliateProgramItems.itemId)))
        .where(inArray(affiliateProgramItems.creatorId, creatorIds.slice(0, 90)))
    : [];
  const programs = mine.map((m) => ({
    ...m,
    links: items
      .filter((i) => i.creatorId === m.creatorId)
      .flatMap((i) =>
        i.kind === "product" && i.productStatus === "published"
          ? [{ label: i.productTitle!, url: `${origin}/@${m.handle}/products/${i.productSlug}?via=${m.code}` }]
          : i.kind === "tier" && i.tierStatus === "active"
            ? [{ label: `${i.tierName} (membership)`, url: `${origin}/tiers/${i.itemId}?via=${m.code}` }]
            : i.kind === "service" && i.serviceStatus === "published"
              ? [{ label: `${i.serviceTitle} (service)`, url: `${origin}/@${m.handle}/services/${i.serviceSlug}?via=${m.code}` }]
              : [],
      ),
  }));
  const recent = await db
    .select({
      id: commissions.id,
      kind: commissions.kind,
      currency: commissions.currency,
      amount: commissions.amount,
      reversed: commissions.reversed,
      status: commissions.status,
      availableAt: commissions.availableAt,
      createdAt: commissions.createdAt,
      handle: creators.handle,
    })
    .from(commissions)
    .leftJoin(creators, eq(creators.userId, commissions.creatorId))
    .where(eq(commissions.beneficiaryId, viewer.id))
    .orderBy(desc(commissions.createdAt))
    .limit(50);
  const t = nowSeconds();
  const account = await db.query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, viewer.id) });
  return {
    programs,
    totals: await ledgerTotals(env, eq(commissions.beneficiaryId, viewer.id)),
    recent: recent.map((r) => ({ ...r, status: r.status === "pending" && r.availableAt <= t ? "payable" : r.status })),
    canBePaid: !!account?.payoutsEnabled || !!account?.chargesEnabled,
    referrals: await referralSummary(env, viewer.id),
  };
}

// ── Clicks and attribution ───────────────────────────────────────────────────────────────────────

export const VIA_COOKIE = "at_via";
const DEV_VIA_SECRET = "dev-only-affiliate-cookie-secret-not-for-production";
const enc = new TextEncoder();

function viaSecret(env: Env): string | null {
  const s = secrets(env).AFFILIATE_SIGNING_SECRET ?? secrets(env).EMAIL_SIGNING_SECRET;
  if (s && s.length >= 16) return s;
  return env.APP_ENV === "production" ? null : DEV_VIA_SECRET;
}

async function sign(env: Env, message: string): Promise<string | null> {
  const secret = viaSecret(env);
  if (!secret) return null;
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(`via:v1:${message}`)));
  return btoa(String.fromCharCode(...mac))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

type ViaEntry = { affiliateId: string; creatorId: string; clickedAt: number };

/** The signed cookie's entries (one per creator, newest first), or none if it was tampered with. */
export async function readViaCookie(env: Env, cookieHeader: string | null): Promise<ViaEntry[]> {
  const m = /(?:^|;\s*)at_via=([^;]+)/.exec(cookieHeader ?? "");
  if (!m) return [];
  const [payload, mac] = decodeURIComponent(m[1]).split(".");
  if (!payload || !mac || payload.length > 600) return [];
  const expected = await sign(env, payload);
  if (!expected || expected.length !== mac.length) return [];
  let diff = 0;
  for (let i = 0; i < mac.length; i++) diff |= mac.charCodeAt(i) ^ expected.charCodeAt(i);
  if (diff !== 0) return [];
  return payload
    .split("|")
    .map((s) => s.split("~"))
    .filter((p) => p.length === 3 && /^\d+$/.test(p[2]))
    .map(([affiliateId, creatorId, at]) => ({ affiliateId, creatorId, clickedAt: Number(at) }));
}

async function viaCookie(env: Env, entries: ViaEntry[], secure: boolean): Promise<string | null> {
  const payload = entries
    .slice(0, 5)
    .map((e) => `${e.affiliateId}~${e.creatorId}~${e.clickedAt}`)
    .join("|");
  const mac = await sign(env, payload);
  if (!mac) return null;
  const maxAge = 365 * DAY;
  return `${VIA_COOKIE}=${encodeURIComponent(`${payload}.${mac}`)}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/**
 * A visit through `?via=CODE` (any page of the creator's: products, tiers): counts the click, keeps
 * it as the last click for that creator (the signed cookie, and for a signed-in person also their
 * row), and answers a redirect to the same address without `via` (so cached pages stay shared).
 * Unknown or removed codes just redirect.
 */
export async function handleAffiliateClick(env: Env, request: Request, url: URL, viewerId: string | null): Promise<Response> {
  const code = normaliseAffiliateCode(url.searchParams.get("via") ?? "");
  const clean = new URL(url);
  clean.searchParams.delete("via");
  const headers = new Headers({ Location: clean.pathname + clean.search, "Cache-Control": "private, no-store" });
  if (AFFILIATE_CODE.test(code)) {
    const db = getDb(env);
    const t = nowSeconds();
    const day = Math.floor(t / DAY);
    const visitor = await visitorOfDay(env, request, viewerId, day);
    const live = and(eq(affiliates.code, code), eq(affiliates.status, "active"));
    // Every redirect counts in `clicks`; a new (link, day, visitor) row counts once more in
    // `unique_clicks` (its trigger) — both in the same round trip, each one statement.
    const [[a]] = await db.batch([
      db
        .update(affiliates)
        .set({ clicks: sql`${affiliates.clicks} + 1` })
        .where(live)
        .returning({ id: affiliates.id, creatorId: affiliates.creatorId, userId: affiliates.userId }),
      db
        .insert(affiliateClickDays)
        .select(
          db
            .select({ affiliateId: affiliates.id, day: sql<number>`${day}`.as("day"), visitor: sql<string>`${visitor}`.as("visitor") })
            .from(affiliates)
            .where(live),
        )
        .onConflictDoNothing(),
    ]);
    if (a) {
      if (viewerId && viewerId !== a.userId)
        await db
          .insert(affiliateAttributions)
          .values({ userId: viewerId, creatorId: a.creatorId, affiliateId: a.id, clickedAt: t })
          .onConflictDoUpdate({
            target: [affiliateAttributions.userId, affiliateAttributions.creatorId],
            set: { affiliateId: a.id, clickedAt: t },
          });
      const prior = (await readViaCookie(env, request.headers.get("Cookie"))).filter((e) => e.creatorId !== a.creatorId);
      const cookie = await viaCookie(
        env,
        [{ affiliateId: a.id, creatorId: a.creatorId, clickedAt: t }, ...prior],
        url.protocol === "https:",
      );
      if (cookie) headers.append("Set-Cookie", cookie);
    }
  }
  return new Response(null, { status: 302, headers });
}

/**
 * Who clicked, for counting unique visitors per link and day (decision 0135): a keyed hash of the
 * signed-in id, or else of the address and browser, with the day in it — so it can't be joined
 * across days or reversed without the secret. Never stored anywhere else.
 */
async function visitorOfDay(env: Env, request: Request, viewerId: string | null, day: number): Promise<string> {
  const who = viewerId ? `u:${viewerId}` : `a:${clientIp(request)}|${(request.headers.get("User-Agent") ?? "").slice(0, 300)}`;
  const mac = await sign(env, `visitor:${day}:${who}`);
  if (mac) return mac.slice(0, 22);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(`visitor:${day}:${who}`)));
  return Array.from(digest.slice(0, 11), (b) => b.toString(16).padStart(2, "0")).join("");
}

export type AffiliateClaim = { affiliateId: string; clickedAt: number };

/**
 * Who gets the credit for this purchase (decision 0110): the last click for the creator within the
 * program's window — the newer of the cookie's and the signed-in person's — if the program is active
 * and covers the item, the affiliate is still in it, and the affiliate is neither the buyer nor the
 * creator (self-referral is refused). Null otherwise.
 */
export async function attributionFor(
  env: Env,
  q: { buyerId: string; creatorId: string; kind: "product" | "tier" | "service"; itemId: string; cookieHeader: string | null },
): Promise<AffiliateClaim | null> {
  const db = getDb(env);
  const [program, item, row, fromCookie] = await Promise.all([
    db.query.affiliatePrograms.findFirst({ where: eq(affiliatePrograms.creatorId, q.creatorId) }),
    db.query.affiliateProgramItems.findFirst({
      where: and(eq(affiliateProgramItems.kind, q.kind), eq(affiliateProgramItems.itemId, q.itemId)),
    }),
    db.query.affiliateAttributions.findFirst({
      where: and(eq(affiliateAttributions.userId, q.buyerId), eq(affiliateAttributions.creatorId, q.creatorId)),
    }),
    readViaCookie(env, q.cookieHeader).then((l) => l.find((e) => e.creatorId === q.creatorId) ?? null),
  ]);
  if (!program || program.status !== "active" || !item || item.creatorId !== q.creatorId) return null;
  const last = [row, fromCookie].filter((x) => !!x).sort((a, b) => b!.clickedAt - a!.clickedAt)[0];
  if (!last || last.clickedAt + program.cookieDays * DAY < nowSeconds()) return null;
  const a = await db.query.affiliates.findFirst({ where: eq(affiliates.id, last.affiliateId) });
  if (!a || a.status !== "active" || a.creatorId !== q.creatorId) return null;
  if (a.userId === q.buyerId || a.userId === q.creatorId) return null;
  return { affiliateId: a.id, clickedAt: last.clickedAt };
}

/** The Checkout metadata that carries the claim to the webhook. */
export const claimMetadata = (c: AffiliateClaim | null): Record<string, string> =>
  c ? { affiliate_id: c.affiliateId, affiliate_clicked_at: String(c.clickedAt) } : {};

// ── The ledger (from verified webhooks) ──────────────────────────────────────────────────────────

type Source = {
  sourceType: "order" | "invoice" | "booking" | "pack";
  sourceId: string;
  creatorId: string;
  buyerId: string | null;
  paymentIntentId: string | null;
  currency: string;
  gross: number;
  fee: number;
  net: number;
  at: number;
};

/**
 * Records the commissions a paid order or subscription invoice earns — once each (unique per kind
 * and source, so a redelivered webhook changes nothing): the affiliate's share of the creator's net
 * when Checkout carried a claim (re-checked: still a member, not the buyer or the creator, and for a
 * renewal still within the recurring months), and the platform referrer's share of the fee.
 */
export async function recordCommissions(
  env: Env,
  src: Source,
  meta: { affiliate_id?: string; affiliate_clicked_at?: string; renewalOf?: { subscriptionId: string; startedAt: number } | null },
) {
  if (src.gross <= 0) return;
  const db = getDb(env);
  const rows: (typeof commissions.$inferInsert)[] = [];
  const t = nowSeconds();
  // A guest's purchase is credited once its account is known (self-referral is checked by account):
  // a guest's membership invoice can be recorded before its checkout names the member.
  if (meta.affiliate_id && src.buyerId) {
    const [a, program] = await Promise.all([
      db.query.affiliates.findFirst({ where: eq(affiliates.id, meta.affiliate_id) }),
      db.query.affiliatePrograms.findFirst({ where: eq(affiliatePrograms.creatorId, src.creatorId) }),
    ]);
    const selfReferral = !a || a.userId === src.buyerId || a.userId === src.creatorId;
    const withinRecurring =
      !meta.renewalOf || (program && program.recurringMonths > 0 && src.at < addMonths(meta.renewalOf.startedAt, program.recurringMonths));
    if (a && program && a.creatorId === src.creatorId && !selfReferral && withinRecurring) {
      const amount = commissionOf(src.net, program.commissionPercent);
      if (amount > 0)
        rows.push({
          id: newId(),
          kind: "affiliate",
          beneficiaryId: a.userId,
          creatorId: src.creatorId,
          affiliateId: a.id,
          sourceType: src.sourceType,
          sourceId: src.sourceId,
          paymentIntentId: src.paymentIntentId,
          currency: src.currency,
          gross: src.gross,
          base: src.net,
          percent: program.commissionPercent,
          amount,
          status: "pending",
          availableAt: src.at + program.holdDays * DAY,
          createdAt: t,
        });
    }
  }
  const ref = await db.query.platformReferrals.findFirst({ where: eq(platformReferrals.referredId, src.creatorId) });
  if (ref && src.at < ref.endsAt && ref.referrerId !== src.buyerId) {
    const amount = commissionOf(src.fee, REFERRAL_PERCENT);
    if (amount > 0)
      rows.push({
        id: newId(),
        kind: "referral",
        beneficiaryId: ref.referrerId,
        creatorId: src.creatorId,
        affiliateId: null,
        sourceType: src.sourceType,
        sourceId: src.sourceId,
        paymentIntentId: src.paymentIntentId,
        currency: src.currency,
        gross: src.gross,
        base: src.fee,
        percent: REFERRAL_PERCENT,
        amount,
        status: "pending",
        availableAt: src.at + 30 * DAY,
        createdAt: t,
      });
  }
  if (rows.length) await db.insert(commissions).values(rows).onConflictDoNothing();
}

/** From the order of a completed product Checkout (events.server.ts). */
export async function recordOrderCommissions(env: Env, checkoutSessionId: string, meta: Record<string, string>) {
  const o = await getDb(env).query.orders.findFirst({ where: eq(orders.checkoutSessionId, checkoutSessionId) });
  if (!o || o.status !== "paid" || o.refundReason) return;
  await recordCommissions(
    env,
    {
      sourceType: "order",
      sourceId: o.id,
      creatorId: o.creatorId,
      buyerId: o.buyerId,
      paymentIntentId: o.paymentIntentId,
      currency: o.currency,
      gross: o.gross,
      fee: o.fee,
      net: o.net,
      at: o.createdAt,
    },
    meta,
  );
  await applyRefundsToCommissions(env, o.paymentIntentId);
}

/** From a paid subscription invoice: the first one, and renewals for the program's recurring months. */
export async function recordInvoiceCommissions(env: Env, invoiceId: string, meta: Record<string, string>) {
  const db = getDb(env);
  const inv = await db.query.invoices.findFirst({ where: eq(invoices.id, invoiceId) });
  if (!inv) return;
  const [first] = await db
    .select({ paidAt: sql<number>`MIN(${invoices.paidAt})` })
    .from(invoices)
    .where(eq(invoices.stripeSubscriptionId, inv.stripeSubscriptionId));
  const startedAt = first?.paidAt ?? inv.paidAt;
  await recordCommissions(
    env,
    {
      sourceType: "invoice",
      sourceId: inv.id,
      creatorId: inv.creatorId,
      buyerId: inv.userId,
      paymentIntentId: inv.paymentIntentId,
      currency: inv.currency,
      gross: inv.gross,
      fee: inv.fee,
      net: inv.net,
      at: inv.paidAt,
    },
    { ...meta, renewalOf: inv.paidAt > startedAt ? { subscriptionId: inv.stripeSubscriptionId, startedAt } : null },
  );
  await applyRefundsToCommissions(env, inv.paymentIntentId);
}

/** From a confirmed service booking or a paid session pack (services module). */
export async function recordServiceCommissions(env: Env, meta: Record<string, string>) {
  const db = getDb(env);
  const row = meta.pack_id
    ? await db.query.servicePacks.findFirst({ where: eq(servicePacks.id, meta.pack_id) })
    : meta.booking_id
      ? await db.query.bookings.findFirst({ where: eq(bookings.id, meta.booking_id) })
      : null;
  if (!row || !["confirmed", "active", "delivered"].includes(row.status)) return;
  await recordCommissions(
    env,
    {
      sourceType: meta.pack_id ? "pack" : "booking",
      sourceId: row.id,
      creatorId: row.creatorId,
      buyerId: row.buyerId,
      paymentIntentId: row.paymentIntentId,
      currency: row.currency,
      gross: row.gross,
      fee: row.fee,
      net: row.net,
      at: nowSeconds(),
    },
    meta,
  );
}

/**
 * Refunds reverse commissions in proportion (decision 0110): reversed = round half up of
 * amount × refunded / gross, all of it once fully refunded; it only grows (a late, older read never
 * shrinks it). A commission reversed in full before it was paid ends `reversed`. One already paid is
 * then settled against what Stripe shows (decision 0134): see `settlePaidCommission`.
 */
export async function applyRefundsToCommissions(env: Env, paymentIntentId: string | null, chargeRefunded?: number) {
  if (!paymentIntentId) return;
  const db = getDb(env);
  let refunded = chargeRefunded ?? 0;
  if (chargeRefunded === undefined) {
    const [o, inv] = await Promise.all([
      db.query.orders.findFirst({ where: eq(orders.paymentIntentId, paymentIntentId) }),
      db.query.invoices.findFirst({ where: eq(invoices.paymentIntentId, paymentIntentId) }),
    ]);
    refunded = (o ?? inv)?.amountRefunded ?? 0;
  }
  if (refunded <= 0) return;
  const list = await db.select().from(commissions).where(eq(commissions.paymentIntentId, paymentIntentId));
  for (const c of list) {
    const target = reversedShare(c.amount, c.gross, refunded);
    if (target <= c.reversed) continue;
    const full = target >= c.amount;
    await db
      .update(commissions)
      .set({
        reversed: sql`MAX(${commissions.reversed}, ${target})`,
        status: sql`CASE WHEN ${full ? 1 : 0} = 1 AND ${commissions.status} IN ('pending','payable') AND ${commissions.payoutId} IS NULL THEN 'reversed' ELSE ${commissions.status} END`,
      })
      .where(and(eq(commissions.id, c.id), sql`${commissions.reversed} < ${target}`));
  }
  // Settling reads Stripe, not this call's arithmetic, so redelivered or out-of-order refunds converge.
  for (const c of list) if (c.payoutId) await settlePaidCommission(env, c.id);
}

const leftOf = (t: { amount: number; amount_reversed: number }) => t.amount - t.amount_reversed;

/**
 * Brings a paid commission and its sale to where the ledger says every party stands (decision 0134),
 * reading the amounts from Stripe each time — so it is idempotent, safe to repeat after a crash,
 * and converges under redelivered or out-of-order refunds (each Stripe call's idempotency key names
 * the state it was computed from):
 * - the beneficiary keeps `amount − reversed`: what refunds took off the commission since it was
 *   paid is reversed from the payout transfer that carried it;
 * - for an affiliate commission (taken from the creator's destination transfer at payout), the
 *   creator keeps exactly the charge less the refunds they bore (those that reversed their
 *   transfer), less the platform's fee as Stripe kept it, less the affiliate's commission as the
 *   ledger keeps it for those refunds. Stripe's `reverse_transfer` reverses the refunded share of
 *   the creator's whole transfer — also of the commission already taken from it — so after a
 *   refund the creator is owed that share back: a make-good transfer (`transfer_group`
 *   `commission-makegood:<id>`). The other way round (the creator holds too much, e.g. the
 *   platform funded a refund), make-good transfers are reversed first, then the destination transfer.
 *
 * One settler at a time (decision 0136): a lease on the row claimed in one conditional UPDATE; a
 * caller that finds it held sets `settle_again` and returns, and the holder runs another pass
 * before it lets go. A lease left behind by a settler that died expires and the payout sweep
 * settles the commission again.
 */
export async function settlePaidCommission(env: Env, commissionId: string) {
  const db = getDb(env);
  const stripe = getStripe(env);
  const lease = await claimSettlement(env, commissionId);
  if (!lease) return;
  let until = lease;
  // A pass that moved money is followed by one that confirms its calls landed; a pass that moved
  // nothing lets go — unless a settler that found the lease held asked for another pass meanwhile.
  for (let pass = 0; pass < SETTLE_MAX_PASSES; pass++) {
    if (pass > 0) {
      const now = nowSeconds();
      const [renewed] = await db
        .update(commissions)
        .set({ settlingUntil: Math.max(now + SETTLE_LEASE_SECONDS, until + 1), settleAgain: false })
        .where(and(eq(commissions.id, commissionId), eq(commissions.settlingUntil, until)))
        .returning({ until: commissions.settlingUntil });
      if (!renewed) return; // the lease ran out and another settler has it
      until = renewed.until;
    }
    let acted: boolean;
    try {
      acted = await settlePass(env, stripe, commissionId);
    } catch (e) {
      await handToSweep(env, commissionId, until);
      throw e;
    }
    if (acted) continue;
    const [released] = await db
      .update(commissions)
      .set({ settlingUntil: 0 })
      .where(and(eq(commissions.id, commissionId), eq(commissions.settlingUntil, until), eq(commissions.settleAgain, false)))
      .returning({ id: commissions.id });
    if (released) return;
  }
  await handToSweep(env, commissionId, until);
}

/** How long a settler holds a paid commission (decision 0136): a pass is a few Stripe calls. */
const SETTLE_LEASE_SECONDS = 60;
const SETTLE_MAX_PASSES = 6;

/**
 * One settler at a time per paid commission (decision 0136). Returns the lease (its expiry) if this
 * caller won it; otherwise the holder has been asked for another pass (`settle_again`) and 0 is
 * returned. Each step is one conditional statement: the holder only lets go while the flag is
 * clear, and the flag is only set while the lease is held, so no refund's settlement is lost.
 */
async function claimSettlement(env: Env, commissionId: string): Promise<number> {
  const db = getDb(env);
  for (let tries = 0; tries < 3; tries++) {
    const now = nowSeconds();
    const [won] = await db
      .update(commissions)
      .set({ settlingUntil: now + SETTLE_LEASE_SECONDS, settleAgain: false })
      .where(and(eq(commissions.id, commissionId), lt(commissions.settlingUntil, now)))
      .returning({ until: commissions.settlingUntil });
    if (won) return won.until;
    const [handed] = await db
      .update(commissions)
      .set({ settleAgain: true })
      .where(and(eq(commissions.id, commissionId), gte(commissions.settlingUntil, now)))
      .returning({ id: commissions.id });
    if (handed) return 0;
    // Let go between the two statements (or no such commission): try again.
  }
  return 0;
}

/** Leaves the lease expired but marked (`settling_until` 1): the payout sweep settles it again. */
async function handToSweep(env: Env, commissionId: string, until: number) {
  await getDb(env)
    .update(commissions)
    .set({ settlingUntil: 1 })
    .where(and(eq(commissions.id, commissionId), eq(commissions.settlingUntil, until)));
}

/** One settle pass against what Stripe shows now. True if it moved money. */
async function settlePass(env: Env, stripe: Stripe, commissionId: string): Promise<boolean> {
  const db = getDb(env);
  const c = await db.query.commissions.findFirst({ where: eq(commissions.id, commissionId) });
  if (!c || c.status !== "paid" || !c.payoutId) return false;
  const p = await db.query.commissionPayouts.findFirst({ where: eq(commissionPayouts.id, c.payoutId) });
  if (!p?.stripeTransferId) return false;
  let acted = false;
  const clawTarget = c.reversed - c.paidReversed;
  if (clawTarget > 0) {
    const payout = await stripe.transfers.retrieve(p.stripeTransferId);
    const reversals = await stripe.transfers.listReversals(payout.id, { limit: 100 });
    const done = reversals.data.filter((r) => r.metadata?.commission_id === c.id).reduce((s, r) => s + r.amount, 0);
    const take = Math.min(clawTarget - done, leftOf(payout));
    if (take > 0) {
      await stripe.transfers.createReversal(
        payout.id,
        { amount: take, metadata: { commission_id: c.id, reason: "refund" } },
        { idempotencyKey: `commission-claw:${c.id}:${clawTarget}:${done}` },
      );
      acted = true;
    }
  }
  if (c.kind === "affiliate" && c.recoveredTransferReversalId && c.paymentIntentId) acted = (await settleCreator(stripe, c)) || acted;
  return acted;
}

/** The creator's side of a paid affiliate commission (see `settlePaidCommission`). True if it moved money. */
async function settleCreator(stripe: Stripe, c: typeof commissions.$inferSelect): Promise<boolean> {
  const pi = await stripe.paymentIntents.retrieve(c.paymentIntentId!);
  const chargeId = typeof pi.latest_charge === "string" ? pi.latest_charge : pi.latest_charge?.id;
  if (!chargeId) return false;
  const charge = await stripe.charges.retrieve(chargeId, { expand: ["transfer", "application_fee"] });
  const transfer = charge.transfer && typeof charge.transfer === "object" ? charge.transfer : null;
  if (!transfer) return false;
  const fee = charge.application_fee && typeof charge.application_fee === "object" ? charge.application_fee : null;
  const [refunds, makeGoods] = await Promise.all([
    stripe.refunds.list({ payment_intent: pi.id, limit: 100 }),
    stripe.transfers.list({ transfer_group: `commission-makegood:${c.id}`, limit: 100 }),
  ]);
  const borne = refunds.data
    .filter((r) => r.transfer_reversal && r.status !== "failed" && r.status !== "canceled")
    .reduce((s, r) => s + r.amount, 0);
  const feeKept = (fee?.amount ?? 0) - (fee?.amount_refunded ?? 0);
  // Stripe's destination charge with an application fee transfers the whole amount and collects the
  // fee from the account; a transfer of the net (`transfer_data[amount]`, the emulator) has it taken already.
  const feeFromTransfer = transfer.amount >= charge.amount ? feeKept : 0;
  const holds = leftOf(transfer) - feeFromTransfer + makeGoods.data.reduce((s, t) => s + leftOf(t), 0);
  const owed = charge.amount - borne - feeKept - (c.amount - reversedShare(c.amount, c.gross, borne));
  const state = `${owed}:${holds}`;
  if (owed > holds) {
    await stripe.transfers.create(
      {
        amount: owed - holds,
        currency: transfer.currency,
        destination: typeof transfer.destination === "string" ? transfer.destination : transfer.destination!.id,
        transfer_group: `commission-makegood:${c.id}`,
        description: "Your share of a refunded affiliate commission",
        metadata: { commission_id: c.id, reason: "refund_share" },
      },
      { idempotencyKey: `commission-makegood:${c.id}:${state}` },
    );
    return true;
  }
  let need = holds - owed;
  if (need <= 0) return false;
  for (const t of makeGoods.data) {
    const take = Math.min(need, leftOf(t));
    if (take <= 0) continue;
    await stripe.transfers.createReversal(
      t.id,
      { amount: take, metadata: { commission_id: c.id, reason: "refund_share" } },
      { idempotencyKey: `commission-makegood-back:${c.id}:${t.id}:${state}` },
    );
    need -= take;
  }
  const take = Math.min(need, leftOf(transfer));
  if (take > 0)
    await stripe.transfers.createReversal(
      transfer.id,
      { amount: take, metadata: { commission_id: c.id, reason: "affiliate_commission" } },
      { idempotencyKey: `commission-recover:${c.id}:${state}` },
    );
  return true;
}

// ── Payouts ──────────────────────────────────────────────────────────────────────────────────────

/**
 * The payout sweep (cron, and "pay now" from the dashboards) — decision 0110. Commissions past
 * their holding period turn payable; each beneficiary with a connected account that can receive
 * transfers gets one Stripe transfer per currency for all their payable commissions. The batch is
 * claimed in one statement (so two sweeps never pay a commission twice) and the transfer's
 * idempotency key is the batch id, so a sweep that dies half-way is finished by the next one with
 * the same transfer. Without a connected account commissions stay payable.
 */
export async function payDueCommissions(env: Env, opts: { beneficiaryId?: string; now?: number } = {}) {
  const db = getDb(env);
  const t = opts.now ?? nowSeconds();
  await db
    .update(commissions)
    .set({ status: "payable" })
    .where(and(eq(commissions.status, "pending"), lte(commissions.availableAt, t)));
  // Batches claimed earlier whose transfer was never confirmed are finished first.
  const open = await db
    .select()
    .from(commissionPayouts)
    .where(
      opts.beneficiaryId
        ? and(eq(commissionPayouts.status, "open"), eq(commissionPayouts.beneficiaryId, opts.beneficiaryId))
        : eq(commissionPayouts.status, "open"),
    )
    .limit(50);
  const due = await db
    .select({ beneficiaryId: commissions.beneficiaryId, currency: commissions.currency, account: payoutAccounts.stripeAccountId })
    .from(commissions)
    .innerJoin(payoutAccounts, eq(payoutAccounts.creatorId, commissions.beneficiaryId))
    .where(
      and(
        eq(commissions.status, "payable"),
        isNull(commissions.payoutId),
        eq(payoutAccounts.chargesEnabled, true),
        opts.beneficiaryId ? eq(commissions.beneficiaryId, opts.beneficiaryId) : undefined,
      ),
    )
    .groupBy(commissions.beneficiaryId, commissions.currency)
    .limit(50);
  const batches = [...open];
  for (const d of due) {
    const id = `cpo_${newId(16)}`;
    const [claimed] = await db.batch([
      db
        .update(commissions)
        .set({ payoutId: id, paidReversed: sql`${commissions.reversed}` })
        .where(
          and(
            eq(commissions.beneficiaryId, d.beneficiaryId),
            eq(commissions.currency, d.currency),
            eq(commissions.status, "payable"),
            isNull(commissions.payoutId),
          ),
        )
        .returning({ amount: commissions.amount, paidReversed: commissions.paidReversed }),
    ]);
    const amount = claimed.reduce((s, c) => s + c.amount - c.paidReversed, 0);
    if (!claimed.length) continue;
    const row = {
      id,
      beneficiaryId: d.beneficiaryId,
      currency: d.currency,
      amount,
      stripeAccountId: d.account,
      stripeTransferId: null,
      status: "open",
      lastError: null,
      createdAt: t,
    };
    await db.insert(commissionPayouts).values(row);
    batches.push(row);
  }
  const stripe = getStripe(env);
  let paid = 0;
  // Settlements left unfinished (a settler died holding the lease, or gave up) are picked up (decision 0136).
  const stranded = await db
    .select({ id: commissions.id })
    .from(commissions)
    .where(and(sql`${commissions.settlingUntil} > 0`, lt(commissions.settlingUntil, nowSeconds())))
    .limit(50);
  for (const s of stranded) await settlePaidCommission(env, s.id);
  for (const b of batches) {
    if (b.amount <= 0) {
      await db.batch([
        db.update(commissionPayouts).set({ status: "paid" }).where(eq(commissionPayouts.id, b.id)),
        db.update(commissions).set({ status: "paid", paidAt: t }).where(eq(commissions.payoutId, b.id)),
      ]);
      continue;
    }
    try {
      await recoverFromCreators(env, b.id);
      const transfer = await stripe.transfers.create(
        {
          amount: b.amount,
          currency: b.currency,
          destination: b.stripeAccountId,
          transfer_group: b.id,
          description: "All Thrive commissions",
          metadata: { payout_id: b.id, beneficiary_id: b.beneficiaryId },
        },
        { idempotencyKey: `commission-payout:${b.id}` },
      );
      await db.batch([
        db
          .update(commissionPayouts)
          .set({ status: "paid", stripeTransferId: transfer.id, lastError: null })
          .where(eq(commissionPayouts.id, b.id)),
        db.update(commissions).set({ status: "paid", paidAt: t }).where(eq(commissions.payoutId, b.id)),
      ]);
      paid++;
      // Refunds that came while the batch was being paid are settled now.
      const late = await db
        .select({ id: commissions.id })
        .from(commissions)
        .where(and(eq(commissions.payoutId, b.id), sql`${commissions.reversed} > ${commissions.paidReversed}`));
      for (const l of late) await settlePaidCommission(env, l.id);
    } catch (e) {
      console.error(`commission payout ${b.id} failed`, e);
      await db
        .update(commissionPayouts)
        .set({ lastError: e instanceof Error ? e.message.slice(0, 300) : "failed" })
        .where(eq(commissionPayouts.id, b.id));
    }
  }
  return { batches: batches.length, paid };
}

/**
 * Affiliate commissions are paid from the creator's share (decision 0110): before a batch is paid,
 * each of its affiliate commissions (what is left of it after refunds) is taken back from the
 * sale's destination transfer with a transfer reversal — idempotent per commission, recorded on it.
 * Referral commissions come out of the platform's own fee: nothing to take back.
 */
async function recoverFromCreators(env: Env, payoutId: string) {
  const db = getDb(env);
  const stripe = getStripe(env);
  const list = await db
    .select()
    .from(commissions)
    .where(and(eq(commissions.payoutId, payoutId), eq(commissions.kind, "affiliate"), isNull(commissions.recoveredTransferReversalId)));
  for (const c of list) {
    const owed = c.amount - c.paidReversed;
    if (owed <= 0 || !c.paymentIntentId) continue;
    const pi = await stripe.paymentIntents.retrieve(c.paymentIntentId);
    const chargeId = typeof pi.latest_charge === "string" ? pi.latest_charge : pi.latest_charge?.id;
    if (!chargeId) continue;
    const charge = await stripe.charges.retrieve(chargeId, { expand: ["transfer"] });
    const transfer = charge.transfer && typeof charge.transfer === "object" ? charge.transfer : null;
    if (!transfer) continue;
    // Never more than is left (a refund may have emptied it since): settling squares the rest.
    const amount = Math.min(owed, leftOf(transfer));
    if (amount <= 0) continue;
    const reversal = await stripe.transfers.createReversal(
      transfer.id,
      { amount, metadata: { commission_id: c.id, reason: "affiliate_commission" } },
      { idempotencyKey: `commission-recover:${c.id}` },
    );
    await db.update(commissions).set({ recoveredTransferReversalId: reversal.id }).where(eq(commissions.id, c.id));
  }
}

/** "Pay now" from a dashboard: the viewer's own due commissions (admins: everyone's). */
export async function payNow(env: Env, viewer: Viewer, scope: "mine" | "all") {
  if (scope === "all" && !viewer.isAdmin) throw forbidden("Only admins can run the payout sweep for everyone.");
  return payDueCommissions(env, scope === "all" ? {} : { beneficiaryId: viewer.id });
}

// ── Platform referrals ───────────────────────────────────────────────────────────────────────────

/** The viewer's referral code (made on first ask). Creators only: referrals pay from creators' fees. */
export async function referralCodeFor(env: Env, userId: string): Promise<string> {
  const db = getDb(env);
  for (let i = 0; i < 3; i++) {
    const existing = await db.query.referralCodes.findFirst({ where: eq(referralCodes.userId, userId) });
    if (existing) return existing.code;
    await db.insert(referralCodes).values({ userId, code: randomCode(), createdAt: nowSeconds() }).onConflictDoNothing();
  }
  throw new Error("could not allocate a referral code");
}

/**
 * Records who referred a new account (at sign-up; decision 0111): the code's owner, if it is a
 * creator's and not the new person's own. Once per account (the referred id is the key).
 */
export async function recordReferral(env: Env, referredId: string, rawCode: string | null | undefined) {
  const code = normaliseAffiliateCode(rawCode ?? "");
  if (!AFFILIATE_CODE.test(code)) return false;
  const db = getDb(env);
  const owner = await db.query.referralCodes.findFirst({ where: eq(referralCodes.code, code) });
  if (!owner || owner.userId === referredId) return false;
  const isCreator = await db.query.creators.findFirst({ where: eq(creators.userId, owner.userId), columns: { userId: true } });
  if (!isCreator) return false;
  const t = nowSeconds();
  const r = await db
    .insert(platformReferrals)
    .values({ referredId, referrerId: owner.userId, createdAt: t, endsAt: addMonths(t, REFERRAL_MONTHS) })
    .onConflictDoNothing()
    .returning({ id: platformReferrals.referredId });
  return r.length > 0;
}

/** For both dashboards: my referral link's people and what they earned me; and who referred me. */
export async function referralSummary(env: Env, userId: string) {
  const db = getDb(env);
  const [code, referred, referredBy, totals] = await Promise.all([
    db.query.referralCodes.findFirst({ where: eq(referralCodes.userId, userId) }),
    db
      .select({ referredId: platformReferrals.referredId, endsAt: platformReferrals.endsAt, handle: creators.handle })
      .from(platformReferrals)
      .leftJoin(creators, eq(creators.userId, platformReferrals.referredId))
      .where(eq(platformReferrals.referrerId, userId))
      .limit(100),
    db
      .select({ handle: creators.handle, endsAt: platformReferrals.endsAt })
      .from(platformReferrals)
      .leftJoin(creators, eq(creators.userId, platformReferrals.referrerId))
      .where(eq(platformReferrals.referredId, userId))
      .limit(1),
    ledgerTotals(env, eq(commissions.beneficiaryId, userId), "referral"),
  ]);
  return {
    code: code?.code ?? null,
    referred: referred.map((r) => ({ handle: r.handle, endsAt: r.endsAt })),
    referredBy: referredBy[0] ?? null,
    totals,
  };
}
