/**
 * CreatorCalendar — one Durable Object per creator (named by the creator's user id). It is the single
 * writer of what is taken on that person's calendar, across every service they offer: holds (a
 * checkout in progress) and confirmed bookings, each stored as the range it blocks (buffers included)
 * and the creator-local day it counts against for the daily maximum. Every method that reads and
 * then writes runs synchronously (no await in between), so two requests for one slot cannot both
 * see it free: exactly one gets it.
 *
 * A hold lives until its `expiresAt` (seconds) — the Checkout Session's own `expires_at` — and is
 * then ignored by every check and deleted by the alarm, which also marks its pending booking row in
 * D1 expired. Confirming is idempotent on the hold id; confirming a hold that lapsed succeeds only
 * if the range is still free (otherwise the caller refunds the late payment).
 */
import { DurableObject } from "cloudflare:workers";

/** A slot to take: the booking's own times and the range it blocks, in ms; `day` is creator-local YYYY-MM-DD. */
export type CalendarRange = { start: number; end: number; blockStart: number; blockEnd: number; day: string; dailyMax: number | null };
export type HoldResult = { ok: true; already: boolean } | { ok: false; reason: "taken" | "day_full" };
export type ConfirmResult = { ok: true; already: boolean } | { ok: false; reason: "taken" | "day_full" };
export type MoveResult = { ok: true; already: boolean } | { ok: false; reason: "taken" | "day_full" | "gone" };
export type CalendarBlock = {
  holdId: string;
  start: number;
  end: number;
  day: string;
  status: "hold" | "confirmed";
  expiresAt: number | null;
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** When reminders go out: 24 h and 1 h before the start. */
export const REMINDERS: [string, number][] = [
  ["24h", 24 * 3600_000],
  ["1h", 3600_000],
];

type Row = {
  hold_id: string;
  start_ms: number;
  end_ms: number;
  block_start: number;
  block_end: number;
  day: string;
  status: string;
  expires_at: number | null;
};

export class CreatorCalendar extends DurableObject<Env> {
  private sql: SqlStorage;
  /**
   * What is taken changes → the version changes (every put and delete of a block). In memory with a
   * random epoch per object instance, so a restarted object never repeats an old version.
   */
  private epoch = crypto.randomUUID().slice(0, 8);
  private changes = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS blocks (hold_id TEXT PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
          block_start INTEGER NOT NULL, block_end INTEGER NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL,
          expires_at INTEGER, created_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS blocks_range ON blocks(block_start, block_end);
        CREATE INDEX IF NOT EXISTS blocks_day ON blocks(day);
        CREATE TABLE IF NOT EXISTS reminders (hold_id TEXT NOT NULL, kind TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (hold_id, kind));
      `);
    });
  }

  // ------------------------------------------------------------------ helpers (all synchronous)

  /** A block counts while confirmed, or while its hold has not expired. */
  private static LIVE = "(status = 'confirmed' OR expires_at > ?)";

  private conflict(r: CalendarRange, exceptHoldId: string, t: number, alsoExcept = exceptHoldId): "taken" | "day_full" | null {
    const clash = this.sql
      .exec(
        `SELECT 1 FROM blocks WHERE hold_id NOT IN (?, ?) AND ${CreatorCalendar.LIVE} AND block_start < ? AND block_end > ? LIMIT 1`,
        exceptHoldId,
        alsoExcept,
        t,
        r.blockEnd,
        r.blockStart,
      )
      .toArray();
    if (clash.length) return "taken";
    if (r.dailyMax !== null) {
      const n = Number(
        this.sql
          .exec(
            `SELECT COUNT(*) AS n FROM blocks WHERE hold_id NOT IN (?, ?) AND day = ? AND ${CreatorCalendar.LIVE}`,
            exceptHoldId,
            alsoExcept,
            r.day,
            t,
          )
          .one().n,
      );
      if (n >= r.dailyMax) return "day_full";
    }
    return null;
  }

  private drop(holdId: string) {
    this.changes++;
    this.sql.exec("DELETE FROM blocks WHERE hold_id = ?", holdId);
  }

  private row(holdId: string): Row | null {
    return (this.sql.exec("SELECT * FROM blocks WHERE hold_id = ?", holdId).toArray()[0] as unknown as Row | undefined) ?? null;
  }

  private put(holdId: string, r: CalendarRange, status: "hold" | "confirmed", expiresAt: number | null) {
    this.changes++;
    this.sql.exec(
      `INSERT INTO blocks (hold_id, start_ms, end_ms, block_start, block_end, day, status, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(hold_id) DO UPDATE SET start_ms = excluded.start_ms, end_ms = excluded.end_ms, block_start = excluded.block_start,
         block_end = excluded.block_end, day = excluded.day, status = excluded.status, expires_at = excluded.expires_at`,
      holdId,
      r.start,
      r.end,
      r.blockStart,
      r.blockEnd,
      r.day,
      status,
      expiresAt,
      nowSeconds(),
    );
  }

  private async scheduleAlarm() {
    const hold = this.sql.exec("SELECT MIN(expires_at) AS at FROM blocks WHERE status = 'hold'").one().at as number | null;
    const reminder = this.sql.exec("SELECT MIN(at_ms) AS at FROM reminders").one().at as number | null;
    const next = Math.min(hold === null ? Infinity : hold * 1000, reminder ?? Infinity);
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1000));
  }

  /** Reminder emails 24 h and 1 h before a confirmed booking (those still ahead); sent once by the alarm. */
  private remind(holdId: string, start: number) {
    this.sql.exec("DELETE FROM reminders WHERE hold_id = ?", holdId);
    for (const [kind, before] of REMINDERS)
      if (start - before > Date.now())
        this.sql.exec("INSERT INTO reminders (hold_id, kind, at_ms) VALUES (?, ?, ?)", holdId, kind, start - before);
  }

  // ------------------------------------------------------------------ RPC

  /** Places a hold on a range until `expiresAt` (seconds). The same hold id again changes nothing. */
  async hold(holdId: string, r: CalendarRange, expiresAt: number): Promise<HoldResult> {
    const t = nowSeconds();
    const existing = this.row(holdId);
    if (existing && (existing.status === "confirmed" || (existing.expires_at ?? 0) > t)) return { ok: true, already: true };
    const clash = this.conflict(r, holdId, t);
    if (clash) return { ok: false, reason: clash };
    this.put(holdId, r, "hold", expiresAt);
    await this.scheduleAlarm();
    return { ok: true, already: false };
  }

  /**
   * Turns a hold into a booking (payment verified, or a free booking). Idempotent. A hold that lapsed
   * (or was released) is taken again only if its range is still free.
   */
  async confirm(holdId: string, r: CalendarRange): Promise<ConfirmResult> {
    const t = nowSeconds();
    const existing = this.row(holdId);
    if (existing?.status === "confirmed") return { ok: true, already: true };
    const live = existing && (existing.expires_at ?? 0) > t;
    if (!live) {
      const clash = this.conflict(r, holdId, t);
      if (clash) {
        if (existing) this.drop(holdId);
        return { ok: false, reason: clash };
      }
    }
    this.put(
      holdId,
      existing
        ? {
            ...r,
            start: existing.start_ms,
            end: existing.end_ms,
            blockStart: existing.block_start,
            blockEnd: existing.block_end,
            day: existing.day,
          }
        : r,
      "confirmed",
      null,
    );
    this.remind(holdId, existing ? existing.start_ms : r.start);
    await this.scheduleAlarm();
    return { ok: true, already: false };
  }

  /** Frees a hold or a booking (expired checkout, cancellation). Returns whether anything was there. */
  async release(holdId: string): Promise<{ released: boolean }> {
    const had = this.row(holdId) !== null;
    this.drop(holdId);
    this.sql.exec("DELETE FROM reminders WHERE hold_id = ?", holdId);
    return { released: had };
  }

  /**
   * Moves a confirmed booking to a new range in one step: the new range is taken (checked against
   * everything but the booking itself) before the old one is freed, so the booking is never lost
   * and never doubled. `newHoldId` becomes its key.
   */
  async move(oldHoldId: string, newHoldId: string, r: CalendarRange): Promise<MoveResult> {
    const t = nowSeconds();
    const old = this.row(oldHoldId);
    const already = this.row(newHoldId);
    if (already?.status === "confirmed" && !old) return { ok: true, already: true };
    // The booking was moved (or canceled) by another request meanwhile: this move has nothing to move.
    if (!old || old.status !== "confirmed") return { ok: false, reason: "gone" };
    const clash = this.conflict(r, oldHoldId, t, newHoldId);
    if (clash) return { ok: false, reason: clash };
    this.put(newHoldId, r, "confirmed", null);
    if (oldHoldId !== newHoldId) {
      this.drop(oldHoldId);
      this.sql.exec("DELETE FROM reminders WHERE hold_id = ?", oldHoldId);
    }
    this.remind(newHoldId, r.start);
    await this.scheduleAlarm();
    return { ok: true, already: false };
  }

  /** Live blocks overlapping [from, to) (ms), for slot listings. */
  async busy(from: number, to: number): Promise<{ start: number; end: number; day: string }[]> {
    const t = nowSeconds();
    return this.sql
      .exec(
        `SELECT block_start, block_end, day FROM blocks WHERE ${CreatorCalendar.LIVE} AND block_end > ? AND block_start < ?`,
        t,
        from,
        to,
      )
      .toArray()
      .map((r) => ({ start: Number(r.block_start), end: Number(r.block_end), day: String(r.day) }));
  }

  /**
   * For cached slot lists: the calendar's current version, when the next live hold lapses (ms; what is
   * busy changes then without a write), and the busy ranges unless the caller already holds `known`.
   */
  async snapshot(
    from: number,
    to: number,
    known: string | null,
  ): Promise<{ version: string; lapsesAt: number | null; busy: { start: number; end: number; day: string }[] | null }> {
    const version = `${this.epoch}:${this.changes}`;
    const next = this.sql.exec("SELECT MIN(expires_at) AS at FROM blocks WHERE status = 'hold' AND expires_at > ?", nowSeconds()).one()
      .at as number | null;
    return { version, lapsesAt: next === null ? null : next * 1000, busy: known === version ? null : await this.busy(from, to) };
  }

  /** Every block (tests and the reconcile check). */
  async list(): Promise<CalendarBlock[]> {
    return (this.sql.exec("SELECT * FROM blocks ORDER BY start_ms").toArray() as unknown as Row[]).map((r) => ({
      holdId: r.hold_id,
      start: r.start_ms,
      end: r.end_ms,
      day: r.day,
      status: r.status as "hold" | "confirmed",
      expiresAt: r.expires_at,
    }));
  }

  /** Sweeps expired holds and marks their pending bookings expired in D1. */
  async alarm(): Promise<void> {
    const t = nowSeconds();
    // Due reminders: one email message each for the buyer and the creator, keyed so each is sent once.
    const due = this.sql.exec("SELECT hold_id, kind FROM reminders WHERE at_ms <= ?", Date.now()).toArray();
    for (const d of due) {
      try {
        for (const to of ["buyer", "creator"])
          await this.env.EMAIL_QUEUE.send(
            {
              type: "tx_email",
              kind: "booking_reminder",
              key: `booking-reminder:${String(d.hold_id)}:${String(d.kind)}:${to}`,
              ref: { holdId: String(d.hold_id), when: String(d.kind), to },
            },
            { contentType: "json" },
          );
        this.sql.exec("DELETE FROM reminders WHERE hold_id = ? AND kind = ?", d.hold_id, d.kind);
      } catch {
        break; // the queue is unavailable: these stay and the alarm tries again
      }
    }
    const gone = this.sql.exec("SELECT hold_id FROM blocks WHERE status = 'hold' AND expires_at <= ?", t).toArray();
    this.sql.exec("DELETE FROM blocks WHERE status = 'hold' AND expires_at <= ?", t);
    try {
      for (const g of gone)
        await this.env.DB.prepare("UPDATE bookings SET status = 'expired', updated_at = ? WHERE hold_id = ? AND status = 'pending'")
          .bind(t, String(g.hold_id))
          .run();
    } catch {
      // D1 briefly unavailable: the rows stay pending and read as expired (their hold is gone); retry soon.
      await this.ctx.storage.setAlarm(Date.now() + 30_000);
      return;
    }
    await this.scheduleAlarm();
  }

  /** Pending reminders (tests). */
  async reminders(): Promise<{ holdId: string; kind: string; at: number }[]> {
    return this.sql
      .exec("SELECT hold_id, kind, at_ms FROM reminders ORDER BY at_ms")
      .toArray()
      .map((r) => ({ holdId: String(r.hold_id), kind: String(r.kind), at: Number(r.at_ms) }));
  }
}
