/**
 * Time zones with the platform's own `Intl` (full ICU in workerd, Node and browsers): no tz library.
 * Everything is computed on UTC instants (ms); wall-clock times exist only at the edges — reading a
 * creator's "09:00 on Monday" into an instant, and showing an instant in the visitor's zone.
 */

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    partsFormats.set(timeZone, f);
  }
  return f;
}

/** True for a zone name `Intl` knows (IANA names such as "Asia/Kolkata", or "UTC"). */
export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== "string" || !tz || tz.length > 64) return false;
  try {
    partsFormat(tz);
    return true;
  } catch {
    return false;
  }
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export type WallTime = { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number };

/** The wall-clock reading of an instant in a zone. */
export function wallTime(ms: number, timeZone: string): WallTime {
  const out: Record<string, string> = {};
  for (const p of partsFormat(timeZone).formatToParts(new Date(ms))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour) % 24,
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday] ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (New York in winter: −5 h). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time happens in a zone, or null when it never does (the hour skipped when
 * clocks go forward). A time that happens twice (clocks going back) gives the first, earlier one.
 */
export function zonedToUtc(date: { year: number; month: number; day: number }, minutesOfDay: number, timeZone: string): number | null {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutesOfDay * 60_000;
  // Two candidates from the offsets just before and just after; keep those that read back exactly.
  const candidates = new Set([wall - offsetAt(wall - 86_400_000 / 2, timeZone), wall - offsetAt(wall + 86_400_000 / 2, timeZone)]);
  const good = [...candidates].filter((t) => t + offsetAt(t, timeZone) === wall).sort((a, b) => a - b);
  return good[0] ?? null;
}

/** "YYYY-MM-DD" of an instant in a zone. */
export function dateKey(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  return `${w.year}-${String(w.month).padStart(2, "0")}-${String(w.day).padStart(2, "0")}`;
}

/** "YYYY-MM-DD" → its parts. */
export function parseDateKey(key: string): { year: number; month: number; day: number } {
  const [year, month, day] = key.split("-").map(Number);
  return { year, month, day };
}

/** The calendar day after `d` (pure date arithmetic, no zone). */
export function nextDate(d: { year: number; month: number; day: number }) {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** "HH:MM" → minutes of the day (24:00 allowed as the end of a day), or null. */
export function parseHm(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}
