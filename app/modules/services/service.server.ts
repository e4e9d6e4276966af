/**
 * Services a creator offers and the availability they are booked against: creating, editing,
 * publishing, covers, and the weekly hours / overrides / limits. Bookings are in booking.server.ts.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, isUniqueViolation, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, toMajorString } from "~/lib/money";
import { markdownExcerpt } from "~/lib/markdown.server";
import { overStored } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { requireVerifiedEmail } from "~/modules/identity/verified.server";
import { deleteMedia, mediaUrl, putPublicImage, readImageUpload } from "~/modules/media/service.server";
import { creators } from "~/modules/storefronts/schema";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { availabilityRules } from "./calendar.server";
import { availability, services, type ServicePricing } from "./schema";
import { parseAvailability, parseService, WEEKDAY_NAMES } from "./validation";

export type ServiceRow = typeof services.$inferSelect;

export const PRICING_LABELS: Record<ServicePricing, string> = {
  per_session: "Per session",
  hourly: "Hourly",
  fixed_package: "Fixed package",
  pack: "Session pack",
};

/** Calendar services need a slot; a fixed package is delivered without one, and a link-mode service is booked on the creator's Calendly / Cal.com page. */
export const usesCalendar = (s: Pick<ServiceRow, "pricing" | "schedulingUrl">) => s.pricing !== "fixed_package" && !s.schedulingUrl;

export async function requireOwnedService(env: Env, viewer: Viewer, serviceId: string): Promise<ServiceRow> {
  const s = await getDb(env).query.services.findFirst({ where: eq(services.id, serviceId) });
  if (!s) throw notFound("That service doesn't exist.");
  if (s.creatorId !== viewer.id && !viewer.isAdmin) throw forbidden("You can only edit your own services.");
  return s;
}

async function bumpStorefront(env: Env, creatorId: string) {
  await getDb(env)
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creatorId));
}

const slugTaken = () => conflict("You already have a service at that address.", { slug: "You already have a service at that address." });

export async function createService(env: Env, viewer: Viewer, input: unknown) {
  await requireVerifiedEmail(env, viewer);
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — then you can offer services.");
  const s = parseService(input);
  // A new service is a draft unless the request asks to publish it; publishing follows setServiceStatus's rule.
  const status = s.status ?? "draft";
  if (status === "published" && usesCalendar(s) && !(await availabilityRules(env, creator.userId)))
    throw unprocessable("Set your availability first, so buyers have times to choose from.");
  const t = nowSeconds();
  const id = newId();
  try {
    await getDb(env)
      .insert(services)
      .values({ id, creatorId: creator.userId, ...fields(s), status, createdAt: t, updatedAt: t });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
  if (status === "published") await bumpStorefront(env, creator.userId);
  return { id };
}

function fields(s: ReturnType<typeof parseService>) {
  return {
    title: s.title,
    slug: s.slug,
    descriptionMarkdown: s.description,
    durationMinutes: s.durationMinutes,
    locationKind: s.locationKind,
    locationDetail: s.locationDetail,
    pricing: s.pricing,
    priceAmount: s.priceAmount,
    currency: s.currency,
    maxHours: s.maxHours,
    hourStepMinutes: s.hourStepMinutes,
    deliveryDays: s.deliveryDays,
    packSessions: s.packSessions,
    packExpiryDays: s.packExpiryDays,
    intake: s.intake,
    schedulingUrl: s.schedulingUrl,
  };
}

/** The edit form's own shape of a stored service (what a field the request doesn't carry keeps). */
export function formValues(s: ServiceRow): Record<string, string> {
  const out: Record<string, string> = {
    title: s.title,
    slug: s.slug,
    description: s.descriptionMarkdown,
    durationMinutes: String(s.durationMinutes),
    locationKind: s.locationKind,
    locationDetail: s.locationDetail ?? "",
    pricing: s.pricing,
    price: s.priceAmount === 0 ? "0" : toMajorString(s.priceAmount, s.currency),
    currency: s.currency,
    maxHours: s.maxHours === null ? "" : String(s.maxHours),
    hourStepMinutes: s.hourStepMinutes === null ? "" : String(s.hourStepMinutes),
    deliveryDays: s.deliveryDays === null ? "" : String(s.deliveryDays),
    packSessions: s.packSessions === null ? "" : String(s.packSessions),
    packExpiryDays: s.packExpiryDays === null ? "" : String(s.packExpiryDays),
    schedulingUrl: s.schedulingUrl ?? "",
  };
  s.intake.forEach((q, i) => {
    out[`q${i}Label`] = q.label;
    out[`q${i}Kind`] = q.kind;
    out[`q${i}Required`] = q.required ? "on" : "";
    out[`q${i}Choices`] = q.choices.join(", ");
  });
  return out;
}

/** Edits a service. Bookings already made keep their times and what was paid. */
export async function updateService(env: Env, viewer: Viewer, serviceId: string, input: unknown) {
  const existing = await requireOwnedService(env, viewer, serviceId);
  const raw = (input ?? {}) as Record<string, unknown>;
  // The form always sends every question row; a request without any keeps the stored questions.
  const stored = formValues(existing);
  const sentQuestions = Object.keys(raw).some((k) => /^q\d+Label$/.test(k));
  const merged = overStored(input, sentQuestions ? Object.fromEntries(Object.entries(stored).filter(([k]) => !/^q\d/.test(k))) : stored);
  const s = parseService(merged);
  // A status sent with the edit follows the publish rule of setServiceStatus, checked before anything is written.
  const status = s.status ?? existing.status;
  if (status === "published" && existing.status !== "published" && usesCalendar(s) && !(await availabilityRules(env, existing.creatorId)))
    throw unprocessable("Set your availability first, so buyers have times to choose from.");
  try {
    await getDb(env)
      .update(services)
      .set({ ...fields(s), status, updatedAt: nowSeconds() })
      .where(eq(services.id, serviceId));
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
  await bumpStorefront(env, existing.creatorId);
}

export async function setServiceStatus(env: Env, viewer: Viewer, serviceId: string, status: "draft" | "published") {
  const s = await requireOwnedService(env, viewer, serviceId);
  if (status === "published" && usesCalendar(s) && !(await availabilityRules(env, s.creatorId)))
    throw unprocessable("Set your availability first, so buyers have times to choose from.");
  await getDb(env).update(services).set({ status, updatedAt: nowSeconds() }).where(eq(services.id, serviceId));
  await bumpStorefront(env, s.creatorId);
}

/** Cover image: the same upload rules as product covers (magic bytes, size, random key). */
export async function setServiceCover(env: Env, viewer: Viewer, serviceId: string, source: ReadableStream<Uint8Array> | File | null) {
  const s = await requireOwnedService(env, viewer, serviceId);
  const image = await readImageUpload(source, "cover");
  const key = await putPublicImage(env, "cover", s.creatorId, image);
  await getDb(env).update(services).set({ coverKey: key, updatedAt: nowSeconds() }).where(eq(services.id, serviceId));
  await deleteMedia(env, [s.coverKey]);
  await bumpStorefront(env, s.creatorId);
  return { coverUrl: mediaUrl(key)! };
}

// ---------------------------------------------------------------- presentation

const minutesLabel = (m: number) => (m % 60 === 0 ? `${m / 60} h` : m > 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`);

/** "$120 / session", "Free", "$95 / hour", "$400 for 3 sessions", "$900". */
export function servicePriceLabel(s: Pick<ServiceRow, "pricing" | "priceAmount" | "currency" | "packSessions">): string {
  if (s.priceAmount === 0) return "Free";
  const m = formatMoney(s.priceAmount, s.currency);
  if (s.pricing === "hourly") return `${m} / hour`;
  if (s.pricing === "pack") return `${m} for ${s.packSessions} sessions`;
  return m;
}

export function presentService(s: ServiceRow, sellable: boolean) {
  return {
    id: s.id,
    title: s.title,
    slug: s.slug,
    excerpt: markdownExcerpt(s.descriptionMarkdown, 140),
    coverUrl: mediaUrl(s.coverKey),
    pricing: s.pricing,
    pricingLabel: PRICING_LABELS[s.pricing],
    price: servicePriceLabel(s),
    priceAmount: s.priceAmount,
    currency: s.currency,
    duration:
      s.pricing === "fixed_package"
        ? `Delivered in ${s.deliveryDays} day${s.deliveryDays === 1 ? "" : "s"}`
        : minutesLabel(s.durationMinutes),
    durationMinutes: s.durationMinutes,
    locationKind: s.locationKind,
    status: s.status,
    /** Link mode: booked on the creator's own Calendly / Cal.com page after paying. */
    linkMode: !!s.schedulingUrl,
    /** False until the creator can take card payments (free services need none). */
    sellable: sellable || s.priceAmount === 0,
  };
}

export async function listCreatorServices(env: Env, creatorId: string) {
  const rows = await getDb(env).select().from(services).where(eq(services.creatorId, creatorId)).orderBy(desc(services.createdAt));
  return rows.map((s) => presentService(s, true));
}

export async function publishedServices(env: Env, creatorId: string) {
  return getDb(env)
    .select()
    .from(services)
    .where(and(eq(services.creatorId, creatorId), eq(services.status, "published")))
    .orderBy(desc(services.createdAt));
}

export async function getServiceForEditing(env: Env, viewer: Viewer, serviceId: string) {
  const s = await requireOwnedService(env, viewer, serviceId);
  const creator = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, s.creatorId) });
  const rules = await availabilityRules(env, s.creatorId);
  return { handle: creator?.handle ?? "", service: presentService(s, true), values: formValues(s), hasAvailability: !!rules };
}

// ---------------------------------------------------------------- availability

/** The availability form's values: the stored rules, or a sensible start (weekdays 9–5 in `guessZone`). */
export async function getAvailabilityForEditing(env: Env, viewer: Viewer, guessZone = "UTC") {
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — then you can take bookings.");
  const rules = await availabilityRules(env, viewer.id);
  const weekly = rules?.weekly ?? [[], ...Array.from({ length: 5 }, () => [{ start: "09:00", end: "17:00" }]), []];
  const values: Record<string, string> = {
    timeZone: rules?.timeZone ?? guessZone,
    overrides: (rules?.overrides ?? [])
      .map((o) => `${o.date} ${o.intervals.length ? o.intervals.map((i) => `${i.start}-${i.end}`).join(", ") : "off"}`)
      .join("\n"),
    minNoticeMinutes: String(rules?.minNoticeMinutes ?? 240),
    horizonDays: String(rules?.horizonDays ?? 30),
    bufferBeforeMinutes: String(rules?.bufferBeforeMinutes ?? 0),
    bufferAfterMinutes: String(rules?.bufferAfterMinutes ?? 0),
    dailyMax: rules?.dailyMax == null ? "" : String(rules.dailyMax),
    changeWindowHours: String(rules?.changeWindowHours ?? 24),
  };
  WEEKDAY_NAMES.forEach((_, i) => (values[`day${i}`] = (weekly[i] ?? []).map((x) => `${x.start}-${x.end}`).join(", ")));
  return { saved: !!rules, values, handle: creator.handle };
}

export async function saveAvailability(env: Env, viewer: Viewer, input: unknown) {
  await requireVerifiedEmail(env, viewer);
  const creator = await findCreatorByUserId(env, viewer.id);
  if (!creator) throw forbidden("Open your storefront first — then you can take bookings.");
  const a = parseAvailability(input);
  const row = { ...a, updatedAt: nowSeconds() };
  await getDb(env)
    .insert(availability)
    .values({ creatorId: viewer.id, ...row })
    .onConflictDoUpdate({ target: availability.creatorId, set: row });
  await bumpStorefront(env, viewer.id);
}
