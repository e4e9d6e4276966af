/**
 * The slot generator: pure, on UTC instants. A creator's weekly hours and date overrides (wall-clock
 * times in their IANA zone) become instants day by day, so a DST switch in either the creator's or
 * the visitor's zone is handled by the zone rules themselves; the visitor's zone only changes how
 * slots are labelled (see `groupByDay`). Blocked ranges come from the creator's calendar object.
 */
import type { DateOverride, HoursInterval } from "./schema";
import { dateKey, nextDate, parseHm, wallTime, zonedToUtc } from "./zones";

export type AvailabilityRules = {
  timeZone: string;
  weekly: HoursInterval[][];
  overrides: DateOverride[];
  minNoticeMinutes: number;
  horizonDays: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  dailyMax: number | null;
  /** The change policy: hours before a session until which the buyer may cancel with a refund or move it (default 24). */
  changeWindowHours?: number;
};

/** A range on the creator's calendar that is taken: a booking or hold, buffers included. */
export type BusyRange = { start: number; end: number; day: string };

export type Slot = { start: number; end: number };

/** Minutes between the starts of consecutive slots: the session length, at most an hour. */
export const slotStepMinutes = (durationMinutes: number) => Math.min(durationMinutes, 60);

/** The range a booking blocks on the creator's calendar: its own time plus both buffers. */
export function blockedRange(slot: Slot, rules: Pick<AvailabilityRules, "bufferBeforeMinutes" | "bufferAfterMinutes">): Slot {
  return { start: slot.start - rules.bufferBeforeMinutes * 60_000, end: slot.end + rules.bufferAfterMinutes * 60_000 };
}

/** The open hours of one creator-local date: its override if any (empty = blackout), else its weekday's hours. */
function hoursOn(rules: AvailabilityRules, key: string, weekday: number): HoursInterval[] {
  const o = rules.overrides.find((x) => x.date === key);
  return o ? o.intervals : (rules.weekly[weekday] ?? []);
}

/**
 * Every bookable slot of `durationMinutes` between `from` (ms; normally now) and the horizon,
 * optionally only up to `until`. A slot is offered when it lies inside the open hours of one
 * creator-local day, starts at least the minimum notice after `now`, and before the horizon; its
 * range with buffers overlaps no busy range; and its day has fewer bookings than the daily maximum.
 */
export function generateSlots(
  rules: AvailabilityRules,
  durationMinutes: number,
  opts: { now: number; busy?: BusyRange[]; until?: number },
): Slot[] {
  const { now } = opts;
  const busy = [...(opts.busy ?? [])].sort((a, b) => a.start - b.start);
  const perDay = new Map<string, number>();
  for (const b of busy) perDay.set(b.day, (perDay.get(b.day) ?? 0) + 1);
  const earliest = now + rules.minNoticeMinutes * 60_000;
  const horizon = Math.min(now + rules.horizonDays * 86_400_000, opts.until ?? Infinity);
  const len = durationMinutes * 60_000;
  const step = slotStepMinutes(durationMinutes) * 60_000;
  const out: Slot[] = [];
  // Walk creator-local dates from today's (in their zone) until the horizon has passed.
  let date = (() => {
    const w = wallTime(now, rules.timeZone);
    return { year: w.year, month: w.month, day: w.day };
  })();
  for (let guard = 0; guard < 800; guard++) {
    const dayStart = zonedToUtc(date, 0, rules.timeZone) ?? zonedToUtc(date, 60, rules.timeZone)!;
    if (dayStart > horizon) break;
    const key = `${date.year}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    const full = rules.dailyMax !== null && (perDay.get(key) ?? 0) >= rules.dailyMax;
    const intervals = hoursOn(rules, key, weekday)
      .map((i) => ({ s: parseHm(i.start), e: parseHm(i.end) }))
      .filter((i): i is { s: number; e: number } => i.s !== null && i.e !== null && i.e > i.s)
      .sort((a, b) => a.s - b.s);
    for (const iv of full ? [] : intervals) {
      const ivStart = wallStart(date, iv.s, rules.timeZone);
      const ivEnd = iv.e >= 1440 ? wallStart(nextDate(date), 0, rules.timeZone) : wallStart(date, iv.e, rules.timeZone);
      for (let start = ivStart; start + len <= ivEnd; start += step) {
        if (start < earliest) continue;
        if (start > horizon) break;
        const slot = { start, end: start + len };
        const b = blockedRange(slot, rules);
        if (busy.some((x) => x.start < b.end && x.end > b.start)) continue;
        out.push(slot);
      }
    }
    date = nextDate(date);
  }
  return out;
}

/**
 * The instant a wall-clock time starts in a zone; a time inside the hour skipped by a DST switch
 * moves to the end of the gap (09:00 never falls there in practice, but 02:00–03:00 can).
 */
function wallStart(date: { year: number; month: number; day: number }, minutes: number, timeZone: string): number {
  for (let m = minutes; m < minutes + 180; m += 15) {
    const t = zonedToUtc(date, m, timeZone);
    if (t !== null) return t;
  }
  return zonedToUtc(date, minutes + 180, timeZone) ?? Date.UTC(date.year, date.month - 1, date.day) + minutes * 60_000;
}

/** The creator-local day a slot belongs to (what the daily maximum counts). */
export const slotDay = (start: number, timeZone: string) => dateKey(start, timeZone);

/** True when `start` is exactly one of the slots offered now (what a booking request is checked against). */
export function isOffered(rules: AvailabilityRules, durationMinutes: number, start: number, now: number, busy: BusyRange[] = []): boolean {
  return generateSlots(rules, durationMinutes, { now, busy, until: start + 1 }).some((s) => s.start === start);
}

// Building an Intl.DateTimeFormat costs far more than using one: one per (locale, zone, shape), reused.
const formats = new Map<string, Intl.DateTimeFormat>();
function fmt(locale: string, timeZone: string, shape: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${shape}`;
  let f = formats.get(key);
  if (!f) {
    if (formats.size > 500) formats.clear();
    formats.set(key, (f = new Intl.DateTimeFormat(locale, { ...opts, timeZone })));
  }
  return f;
}

/** Slots grouped by the visitor's local date, labelled in the visitor's zone. */
export function groupByDay(slots: Slot[], visitorZone: string, locale = "en-US") {
  const dayFmt = fmt(locale, visitorZone, "day", { weekday: "long", month: "long", day: "numeric" });
  const timeFmt = fmt(locale, visitorZone, "time", { hour: "numeric", minute: "2-digit" });
  const days: { key: string; label: string; slots: { start: number; iso: string; label: string }[] }[] = [];
  for (const s of slots) {
    const key = dateKey(s.start, visitorZone);
    let d = days[days.length - 1];
    if (!d || d.key !== key) days.push((d = { key, label: dayFmt.format(new Date(s.start)), slots: [] }));
    d.slots.push({ start: s.start, iso: new Date(s.start).toISOString(), label: timeFmt.format(new Date(s.start)) });
  }
  return days;
}

/** "Tue 14:00"-style label of an instant in a zone. */
export function shortLabel(ms: number, zone: string, locale = "en-US") {
  return fmt(locale, zone, "short", { weekday: "short", hour: "numeric", minute: "2-digit" }).format(new Date(ms));
}

/** "Monday, December 7, 2026, 2:00 PM" in a zone, for confirmations. */
export function longLabel(ms: number, zone: string, locale = "en-US") {
  return fmt(locale, zone, "long", {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(new Date(ms));
}
