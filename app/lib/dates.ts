/**
 * The one way dates are shown: always in UTC (the server renders in UTC; a browser in another time
 * zone must render the very same text, or hydration disagrees), in British order ("5 Dec 2026").
 * No imports, so the server, the client and node scripts can all use it.
 */
export const DISPLAY_TIME_ZONE = "UTC";

// Formatters are built once (building an Intl formatter per call is slow on the server).
const DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: DISPLAY_TIME_ZONE });
const MONTH_YEAR = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: DISPLAY_TIME_ZONE });
const MONTH = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: DISPLAY_TIME_ZONE });

const formattedDays = new Map<number, string>();

/** "26 Nov 2026" for a time in seconds; "" for none. A list repeats few days, so each is formatted once. */
export function formatDate(ts: number | null | undefined): string {
  if (!ts) return "";
  const day = Math.floor(ts / 86400);
  let s = formattedDays.get(day);
  if (s === undefined) {
    if (formattedDays.size > 2000) formattedDays.clear();
    formattedDays.set(day, (s = DAY.format(new Date(day * 86400_000))));
  }
  return s;
}

/** "Nov 2026" for a time in seconds. */
export function formatMonthYear(ts: number): string {
  return MONTH_YEAR.format(new Date(ts * 1000));
}

/** "Nov" for a time in seconds. */
export function formatMonth(ts: number): string {
  return MONTH.format(new Date(ts * 1000));
}

/** "2026-11-26 14:05 UTC" for a time in seconds (when to the minute matters, e.g. a schedule). */
export function formatDateTime(ts: number): string {
  return `${new Date(ts * 1000).toISOString().replace("T", " ").slice(0, 16)} ${DISPLAY_TIME_ZONE}`;
}
