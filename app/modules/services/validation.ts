import * as v from "valibot";
import { unprocessable } from "~/lib/errors";
import { parseOrThrow } from "~/lib/validation";
import { formatMoney, parseMoney, priceLimits } from "~/lib/money";
import { Currency, Slug } from "~/modules/products/validation";
import { LOCATION_KINDS, QUESTION_KINDS, SERVICE_PRICINGS, type IntakeQuestion, type ServicePricing } from "./schema";
import { isValidTimeZone, parseHm } from "./zones";

/** How many intake questions the form offers (a fixed set of rows, so it works without JavaScript). */
export const MAX_QUESTIONS = 5;

const wholeNumber = (label: string, min: number, max: number) =>
  v.pipe(
    v.unknown(),
    v.transform((x) => (x === undefined || x === null ? "" : String(x).trim())),
    v.check((s) => /^\d+$/.test(s), `${label}: enter a whole number.`),
    v.transform(Number),
    v.check((n) => n >= min && n <= max, `${label} must be between ${min} and ${max}.`),
  );

const optionalText = (max: number, message: string) => v.optional(v.pipe(v.string(), v.trim(), v.maxLength(max, message)), "");

export const ServiceInput = v.object({
  title: v.pipe(
    v.string("Give your service a title."),
    v.trim(),
    v.nonEmpty("Give your service a title."),
    v.maxLength(120, "Keep the title under 120 characters."),
  ),
  slug: Slug,
  description: optionalText(20_000, "Keep the description under 20,000 characters."),
  durationMinutes: wholeNumber("The length", 15, 480),
  locationKind: v.picklist(LOCATION_KINDS, "Choose where the session happens."),
  locationDetail: optionalText(500, "Keep the location under 500 characters."),
  pricing: v.picklist(SERVICE_PRICINGS, "Choose per session, hourly, fixed package or session pack."),
  price: optionalText(20, "That price is too long."),
  currency: Currency,
  maxHours: v.optional(v.string(), ""),
  hourStepMinutes: v.optional(v.string(), ""),
  deliveryDays: v.optional(v.string(), ""),
  packSessions: v.optional(v.string(), ""),
  packExpiryDays: v.optional(v.string(), ""),
  schedulingUrl: optionalText(300, "Keep the link under 300 characters."),
  status: v.optional(v.picklist(["draft", "published"], "Choose draft or published.")),
});

/** Hosts a scheduling link may point to (link mode): Calendly and Cal.com. */
const SCHEDULING_HOSTS = /^(?:www\.)?calendly\.com$|^(?:[a-z0-9-]+\.)?cal\.com$/i;

/** A Calendly or Cal.com page (https on those hosts), or null when empty. */
export function schedulingUrlOf(raw: string): string | null {
  if (!raw) return null;
  let u: URL | null;
  try {
    u = new URL(raw);
  } catch {
    u = null;
  }
  const msg = "Use your https://calendly.com/… or https://cal.com/… booking page.";
  if (!u || u.protocol !== "https:" || !SCHEDULING_HOSTS.test(u.hostname) || u.pathname.length < 2 || u.username || u.password)
    throw unprocessable(msg, { schedulingUrl: msg });
  return u.toString();
}

type Raw = Record<string, unknown>;

function num(raw: Raw, key: string, label: string, min: number, max: number): number {
  const r = v.safeParse(wholeNumber(label, min, max), raw[key]);
  if (!r.success) throw unprocessable(r.issues[0].message, { [key]: r.issues[0].message });
  return r.output;
}

/** The price in minor units: 0 (free) only for single sessions; otherwise within the currency's limits. */
function priceOf(pricing: ServicePricing, rawPrice: string, currency: string): number {
  const s = rawPrice.trim();
  if (pricing === "per_session" && (s === "" || s === "0" || /^0+([.,]0+)?$/.test(s))) return 0;
  const amount = parseMoney(s, currency);
  const fail = (msg: string): never => {
    throw unprocessable(msg, { price: msg });
  };
  if (amount === null) return fail(pricing === "hourly" ? "Enter an hourly rate like 120 or 95.50." : "Enter a price like 49 or 49.99.");
  if (amount === 0 && pricing === "per_session") return 0;
  const { min, max } = priceLimits(currency);
  if (amount < min) return fail(`The lowest price is ${formatMoney(min, currency)}${pricing === "per_session" ? " (or 0 for free)" : ""}.`);
  if (amount > max) return fail(`The highest price is ${formatMoney(max, currency)}.`);
  return amount;
}

/** The location detail each kind needs: an https link (optional), a phone (optional), an address (required). */
function locationDetailOf(kind: string, detail: string): string | null {
  const fail = (msg: string): never => {
    throw unprocessable(msg, { locationDetail: msg });
  };
  if (kind === "after_booking") return null;
  if (kind === "in_person") return detail || fail("Add the address where you'll meet.");
  if (kind === "video") {
    if (!detail) return null; // sent per booking
    let u: URL | null;
    try {
      u = new URL(detail);
    } catch {
      u = null;
    }
    if (!u || u.protocol !== "https:") return fail("The video link must be a full https:// address.");
    return u.toString();
  }
  if (detail && !/^[+()\d\s.-]{5,30}$/.test(detail)) return fail("Enter a phone number with digits, spaces and + only.");
  return detail || null;
}

/** Intake questions from the form's rows q{i}Label / q{i}Kind / q{i}Required / q{i}Choices. */
export function intakeFrom(raw: Raw): IntakeQuestion[] {
  const out: IntakeQuestion[] = [];
  for (let i = 0; i < MAX_QUESTIONS; i++) {
    const label = String(raw[`q${i}Label`] ?? "").trim();
    if (!label) continue;
    const field = `q${i}Label`;
    if (label.length > 200) throw unprocessable("Keep each question under 200 characters.", { [field]: "Keep it under 200 characters." });
    const kind = String(raw[`q${i}Kind`] ?? "short");
    if (!(QUESTION_KINDS as readonly string[]).includes(kind))
      throw unprocessable("Choose a question type.", { [`q${i}Kind`]: "Choose a type." });
    const choices =
      kind === "choice"
        ? String(raw[`q${i}Choices`] ?? "")
            .split(",")
            .map((c) => c.trim())
            .filter(Boolean)
        : [];
    if (kind === "choice" && (choices.length < 2 || choices.length > 10))
      throw unprocessable("A choice question needs 2–10 choices, separated by commas.", {
        [`q${i}Choices`]: "Give 2–10 choices, comma-separated.",
      });
    if (choices.some((c) => c.length > 80)) throw unprocessable("Keep each choice under 80 characters.", { [`q${i}Choices`]: "Too long." });
    const required = ["on", "true", "1", "yes"].includes(String(raw[`q${i}Required`] ?? "").toLowerCase());
    out.push({ id: `q${i}`, label, kind: kind as IntakeQuestion["kind"], required, choices });
  }
  return out;
}

/** Link mode is for paid single sessions: the buyer pays here, then books on the creator's own page. */
function linkMode(pricing: ServicePricing, price: number, raw: string): string | null {
  const url = schedulingUrlOf(raw);
  if (url && (pricing !== "per_session" || price === 0)) {
    const msg = "A Calendly or Cal.com link works with a paid per-session service.";
    throw unprocessable(msg, { schedulingUrl: msg });
  }
  return url;
}

/** A parsed, complete service (every kind's own fields checked; the others null). */
export function parseService(input: unknown) {
  const raw = (input ?? {}) as Raw;
  const s = parseOrThrow(ServiceInput, { ...raw, currency: String(raw.currency ?? "usd").toLowerCase() });
  const priceAmount = priceOf(s.pricing, s.price, s.currency);
  const hourly = s.pricing === "hourly";
  const maxHours = hourly ? num(raw, "maxHours", "Most hours per booking", 1, 8) : null;
  const hourStepMinutes = hourly ? num(raw, "hourStepMinutes", "The step", 15, 240) : null;
  if (hourStepMinutes !== null && ![15, 30, 60].includes(hourStepMinutes))
    throw unprocessable("Offer lengths in steps of 15, 30 or 60 minutes.", { hourStepMinutes: "Choose 15, 30 or 60 minutes." });
  if (hourly && s.durationMinutes > maxHours! * 60)
    throw unprocessable("The shortest booking can't be longer than the most hours allowed.", {
      durationMinutes: "Longer than the maximum.",
    });
  return {
    title: s.title,
    slug: s.slug,
    description: s.description,
    durationMinutes: s.durationMinutes,
    locationKind: s.locationKind,
    locationDetail: locationDetailOf(s.locationKind, s.locationDetail),
    pricing: s.pricing,
    priceAmount,
    currency: s.currency,
    maxHours,
    hourStepMinutes,
    deliveryDays: s.pricing === "fixed_package" ? num(raw, "deliveryDays", "Delivery time in days", 1, 365) : null,
    packSessions: s.pricing === "pack" ? num(raw, "packSessions", "Sessions in the pack", 2, 50) : null,
    packExpiryDays: s.pricing === "pack" ? num(raw, "packExpiryDays", "Days until the pack expires", 7, 730) : null,
    intake: intakeFrom(raw),
    schedulingUrl: linkMode(s.pricing, priceAmount, s.schedulingUrl),
    status: s.status,
  };
}

// ------------------------------------------------------------------ availability

const HM = /^\d{1,2}:\d{2}$/;

/** "09:00-12:00, 13:00-17:00" → intervals, checked (start before end, no overlaps). */
export function parseIntervals(text: string, field: string) {
  const parts = text
    .split(/[,;\n]/)
    .map((p) => p.trim())
    .filter(Boolean);
  const out: { start: string; end: string }[] = [];
  for (const p of parts) {
    const [a, b] = p.split(/\s*[-–]\s*/);
    const s = a && HM.test(a) ? parseHm(a) : null;
    const e = b && HM.test(b) ? parseHm(b) : null;
    if (s === null || e === null || e <= s)
      throw unprocessable(`Write hours like 09:00-12:00, 13:00-17:00 ("${p}" isn't).`, { [field]: `Use HH:MM-HH:MM ("${p}").` });
    out.push({ start: a.padStart(5, "0"), end: b.padStart(5, "0") });
  }
  out.sort((x, y) => parseHm(x.start)! - parseHm(y.start)!);
  for (let i = 1; i < out.length; i++)
    if (parseHm(out[i].start)! < parseHm(out[i - 1].end)!) throw unprocessable("Those hours overlap.", { [field]: "These hours overlap." });
  return out;
}

export const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** The availability form: zone, one hours line per weekday, override lines "YYYY-MM-DD 10:00-12:00" or "YYYY-MM-DD off". */
export function parseAvailability(input: unknown) {
  const raw = (input ?? {}) as Raw;
  const timeZone = String(raw.timeZone ?? "").trim();
  if (!isValidTimeZone(timeZone)) throw unprocessable("Choose a time zone like America/New_York.", { timeZone: "Unknown time zone." });
  const weekly = WEEKDAY_NAMES.map((_, i) => parseIntervals(String(raw[`day${i}`] ?? ""), `day${i}`));
  const overrides: { date: string; intervals: { start: string; end: string }[] }[] = [];
  for (const line of String(raw.overrides ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const m = /^(\d{4}-\d{2}-\d{2})\s+(.+)$/.exec(line);
    const valid = m && !Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`)) && new Date(`${m[1]}T00:00:00Z`).toISOString().startsWith(m[1]);
    if (!m || !valid)
      throw unprocessable(`Write each date line as "2026-12-24 off" or "2026-12-24 10:00-14:00" ("${line}" isn't).`, {
        overrides: `Couldn't read "${line}".`,
      });
    if (overrides.some((o) => o.date === m[1])) throw unprocessable(`${m[1]} is listed twice.`, { overrides: `${m[1]} is listed twice.` });
    overrides.push({ date: m[1], intervals: /^(off|closed|blackout)$/i.test(m[2].trim()) ? [] : parseIntervals(m[2], "overrides") });
  }
  if (overrides.length > 200) throw unprocessable("Up to 200 date lines.", { overrides: "Too many dates." });
  const n = (key: string, label: string, min: number, max: number) => num(raw, key, label, min, max);
  const dailyRaw = String(raw.dailyMax ?? "").trim();
  const windowRaw = String(raw.changeWindowHours ?? "").trim();
  return {
    timeZone,
    weekly,
    overrides: overrides.sort((a, b) => a.date.localeCompare(b.date)),
    minNoticeMinutes: n("minNoticeMinutes", "Minimum notice (minutes)", 0, 60 * 24 * 30),
    horizonDays: n("horizonDays", "Booking horizon (days)", 1, 365),
    bufferBeforeMinutes: n("bufferBeforeMinutes", "Buffer before (minutes)", 0, 240),
    bufferAfterMinutes: n("bufferAfterMinutes", "Buffer after (minutes)", 0, 240),
    dailyMax: dailyRaw === "" ? null : n("dailyMax", "Daily maximum", 1, 50),
    changeWindowHours: windowRaw === "" ? 24 : n("changeWindowHours", "Free cancellation window (hours)", 0, 720),
  };
}
