/** The creator-local calendar day of an instant, with the platform's own `Intl` (no tz library). */
const formats = new Map<string, Intl.DateTimeFormat>();

export function isTimeZone(tz: unknown): tz is string {
  if (typeof tz !== "string" || !tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "YYYY-MM-DD" of `ms` in `timeZone` (en-CA formats dates as ISO). */
export function localDay(ms: number, timeZone: string): string {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    if (formats.size > 500) formats.clear();
    formats.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

/** Days between two "YYYY-MM-DD" keys, and arithmetic on them (calendar days, no zone involved). */
export const dayNumber = (key: string) => Math.round(Date.parse(`${key}T00:00:00Z`) / 86_400_000);
export const dayKeyOf = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
export const addDays = (key: string, n: number) => dayKeyOf(dayNumber(key) + n);
