/**
 * MRR, its movements, churn, ARPU and member cohorts from the membership MRR history (decision
 * 0092). Pure functions: the history rows in, the numbers out (tested on a hand-built scenario).
 *
 * Definitions (per month, in the creator's time zone; a membership's MRR is its normalised monthly
 * amount — annual ÷ 12 rounded half up to the minor unit — or 0 once it is not live):
 * - MRR at a month's end: the sum over memberships of their last value logged up to that month.
 * - new: 0 at the previous month's end → > 0 now (a returning member counts as new again);
 *   expansion / contraction: both > 0 and it went up / down (by the difference);
 *   churned: > 0 → 0 (cancelled at period end counts when the period ends; a full refund ends it).
 *   Start + new + expansion − contraction − churned = end, always.
 * - churn rate: memberships churned in the month ÷ paying memberships at its start.
 * - ARPU: MRR at the end ÷ paying memberships at the end.
 * - cohort: the month a membership first paid; retained in month k = still paying at its end.
 */
import { localDay } from "./zone";

export type MrrLogRow = { membershipId: string; at: number; mrr: number; currency: string | null };

export type MrrMonth = {
  month: string;
  startMrr: number;
  newMrr: number;
  expansionMrr: number;
  contractionMrr: number;
  churnedMrr: number;
  endMrr: number;
  payingStart: number;
  payingEnd: number;
  newCount: number;
  churnedCount: number;
  /** 0–1, or null when nobody paid at the start of the month. */
  churnRate: number | null;
  /** Minor units (rounded), or null when nobody pays at the end. */
  arpu: number | null;
};

export type Cohort = { month: string; size: number; retained: number[] };

export const monthOf = (atSeconds: number, tz: string) => localDay(atSeconds * 1000, tz).slice(0, 7);
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split("-").map(Number);
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}`;
}
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to && out.length < 240; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** Each membership's history as (month, value) steps, in log order. */
function histories(rows: MrrLogRow[], tz: string) {
  const byMembership = new Map<string, { month: string; mrr: number }[]>();
  for (const r of rows) {
    const h = byMembership.get(r.membershipId) ?? [];
    h.push({ month: monthOf(r.at, tz), mrr: r.mrr });
    byMembership.set(r.membershipId, h);
  }
  return byMembership;
}

/** The value at the end of `month`: the last step logged in or before it. */
function valueAt(h: { month: string; mrr: number }[], month: string): number {
  let v = 0;
  for (const s of h) {
    if (s.month > month) break;
    v = s.mrr;
  }
  return v;
}

/** Rows must be in log order (seq). Only rows of one currency should be passed. */
export function mrrByMonth(rows: MrrLogRow[], tz: string, months: string[]): MrrMonth[] {
  const hs = [...histories(rows, tz).values()];
  return months.map((month) => {
    const prevMonth = addMonths(month, -1);
    const m: MrrMonth = {
      month,
      startMrr: 0,
      newMrr: 0,
      expansionMrr: 0,
      contractionMrr: 0,
      churnedMrr: 0,
      endMrr: 0,
      payingStart: 0,
      payingEnd: 0,
      newCount: 0,
      churnedCount: 0,
      churnRate: null,
      arpu: null,
    };
    for (const h of hs) {
      const prev = valueAt(h, prevMonth);
      const cur = valueAt(h, month);
      m.startMrr += prev;
      m.endMrr += cur;
      if (prev > 0) m.payingStart++;
      if (cur > 0) m.payingEnd++;
      if (prev === 0 && cur > 0) {
        m.newMrr += cur;
        m.newCount++;
      } else if (prev > 0 && cur === 0) {
        m.churnedMrr += prev;
        m.churnedCount++;
      } else if (cur > prev) m.expansionMrr += cur - prev;
      else if (cur < prev) m.contractionMrr += prev - cur;
    }
    m.churnRate = m.payingStart ? m.churnedCount / m.payingStart : null;
    m.arpu = m.payingEnd ? Math.round(m.endMrr / m.payingEnd) : null;
    return m;
  });
}

/** Monthly member cohorts: size, then how many still pay at the end of each following month (up to `lastMonth`). */
export function cohorts(rows: MrrLogRow[], tz: string, lastMonth: string, maxCohorts = 12): Cohort[] {
  const hs = [...histories(rows, tz).values()];
  const byCohort = new Map<string, { month: string; mrr: number }[][]>();
  for (const h of hs) {
    const first = h.find((s) => s.mrr > 0);
    if (!first || first.month > lastMonth) continue;
    (byCohort.get(first.month) ?? byCohort.set(first.month, []).get(first.month)!).push(h);
  }
  return [...byCohort.keys()]
    .sort()
    .slice(-maxCohorts)
    .map((month) => {
      const members = byCohort.get(month)!;
      const retained = monthsBetween(month, lastMonth).map((m) => members.filter((h) => valueAt(h, m) > 0).length);
      return { month, size: members.length, retained };
    });
}
