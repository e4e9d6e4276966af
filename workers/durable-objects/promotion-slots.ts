/**
 * PromotionSlots — one Durable Object per promotion placement (named `home` or `discover:<category>`).
 * It is the single writer for that placement's paid slots: each day has at most `cap` promotions
 * (holds for checkouts in progress + paid ones). Every method that reads and then writes runs
 * synchronously (no await in between), so concurrent purchases cannot interleave inside it — the
 * same pattern as TierSeats (D9, D103). Calls are idempotent on the promotion id.
 *
 * Invariant: for every day, holds + confirmed ≤ cap. A hold turns into a confirmed slot on payment;
 * a payment whose hold had already been swept is confirmed only if the days still have room —
 * otherwise the caller refunds it. So confirmed promotions never exceed the cap.
 */
import { DurableObject } from "cloudflare:workers";

/** Holds are kept this long after their checkout expired, unless released by the expiry webhook first. */
export const PROMOTION_HOLD_GRACE_SECONDS = 10 * 60;

export type SlotReserve = { ok: true } | { ok: false; fullDay: number };
export type SlotConfirm = { ok: true } | { ok: false; fullDay: number };

const now = () => Math.floor(Date.now() / 1000);

export class PromotionSlots extends DurableObject<Env> {
  private sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS slots (promotion_id TEXT PRIMARY KEY, start_day INTEGER NOT NULL, days INTEGER NOT NULL,
      status TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
  }

  private purge(t: number) {
    this.sql.exec("DELETE FROM slots WHERE status='hold' AND expires_at + ? <= ?", PROMOTION_HOLD_GRACE_SECONDS, t);
  }

  /** The first day of [startDay, startDay+days) with no room left, or null. */
  private fullDay(startDay: number, days: number, cap: number): number | null {
    for (let d = startDay; d < startDay + days; d++) {
      const n = Number(this.sql.exec("SELECT COUNT(*) AS n FROM slots WHERE start_day <= ? AND start_day + days > ?", d, d).one().n);
      if (n >= cap) return d;
    }
    return null;
  }

  /** Holds a slot on each day of the range until `expiresAt` (the Checkout Session's expiry). */
  reserve(p: { promotionId: string; startDay: number; days: number; expiresAt: number; cap: number }): SlotReserve {
    const t = now();
    this.purge(t);
    if (this.sql.exec("SELECT 1 FROM slots WHERE promotion_id=?", p.promotionId).toArray().length) return { ok: true };
    const full = this.fullDay(p.startDay, p.days, p.cap);
    if (full !== null) return { ok: false, fullDay: full };
    this.sql.exec("INSERT INTO slots VALUES (?, ?, ?, 'hold', ?)", p.promotionId, p.startDay, p.days, p.expiresAt);
    return { ok: true };
  }

  /** Payment arrived: the hold becomes the promotion's; without a hold only if there is still room. */
  confirm(p: { promotionId: string; startDay: number; days: number; cap: number }): SlotConfirm {
    const t = now();
    this.purge(t);
    const row = this.sql.exec("SELECT status FROM slots WHERE promotion_id=?", p.promotionId).toArray()[0];
    if (row) {
      this.sql.exec("UPDATE slots SET status='confirmed' WHERE promotion_id=?", p.promotionId);
      return { ok: true };
    }
    const full = this.fullDay(p.startDay, p.days, p.cap);
    if (full !== null) return { ok: false, fullDay: full };
    this.sql.exec("INSERT INTO slots VALUES (?, ?, ?, 'confirmed', 0)", p.promotionId, p.startDay, p.days);
    return { ok: true };
  }

  /** Checkout expired, or the promotion was rejected/refunded: its days are free again. */
  release(promotionId: string): void {
    this.sql.exec("DELETE FROM slots WHERE promotion_id=?", promotionId);
  }

  /** Slots left on each of `days` days from `fromDay`. */
  availability(fromDay: number, days: number, cap: number): number[] {
    this.purge(now());
    const out: number[] = [];
    for (let d = fromDay; d < fromDay + days; d++) {
      const n = Number(this.sql.exec("SELECT COUNT(*) AS n FROM slots WHERE start_day <= ? AND start_day + days > ?", d, d).one().n);
      out.push(Math.max(0, cap - n));
    }
    return out;
  }

  /** Confirmed promotions (for the reconcile check in tests). */
  confirmedCount(): number {
    return Number(this.sql.exec("SELECT COUNT(*) AS n FROM slots WHERE status='confirmed'").one().n);
  }
}
