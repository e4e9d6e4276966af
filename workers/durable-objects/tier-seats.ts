/**
 * TierSeats — one Durable Object per membership tier (named by tier id). It is the single writer
 * for the tier's capacity: confirmed members, seat holds (a checkout in progress, or a seat offered
 * to someone from the waitlist) and the waitlist order. Every method body that reads and then writes
 * runs synchronously (no await in between), so concurrent calls cannot interleave inside it; the
 * input gate queues them. Calls are idempotent on their ids (hold id, Stripe subscription id), so a
 * retried queue message or a duplicate webhook changes nothing the second time.
 *
 * Invariant: members + live holds ≤ cap, except that a hold is always allowed to turn into a member
 * (it was counted when it was taken). Confirming WITHOUT a hold (it expired or was released) only
 * succeeds when there is room; otherwise the caller gets {ok:false, reason:"full"} and must undo the
 * payment. Hence confirmed members never exceed the cap under any interleaving.
 *
 * One person, one seat (D52): every tier (capped or not, paid or free) goes through its object, so
 * it also decides "one open checkout and one live membership per person per tier". A person's
 * checkout hold carries the Checkout Session opened for it: concurrent subscribes of one person get
 * the same hold; the first opens the session (`create`), the others wait for it to be attached and
 * get the same URL. A confirmation for someone who is already a member under another subscription
 * is refused as a `duplicate` (the caller cancels and refunds it).
 *
 * Side effects outside the object (notifying the next person on the waitlist) go through an outbox
 * written in the same synchronous block and drained to D1 after the call and by the alarm.
 */
import { DurableObject } from "cloudflare:workers";
import { markSeatsChanged } from "../../app/modules/tiers/seats.server";

/** Checkout holds are swept this long after their session expired, unless released earlier by the
 * checkout.session.expired webhook — covers a payment that completed just before expiry whose
 * webhook is still on its way. */
export const HOLD_GRACE_SECONDS = 10 * 60;
/** How long a seat offered to the next person on the waitlist stays reserved for them. */
export const OFFER_TTL_SECONDS = 24 * 60 * 60;
/** How long the caller that was told to open the Checkout Session has before another may (the
 * Stripe client gives up after two 8 s tries). Others asking meanwhile wait for its session. */
export const CREATE_LEASE_SECONDS = 20;

/**
 * `create: true`: this caller opens the Checkout Session, then `attach`es it (or `release`s the
 * hold if Stripe fails). `create: false`: the person's checkout is already open — reuse `sessionId`.
 */
export type ReserveResult =
  | {
      ok: true;
      holdId: string;
      expiresAt: number;
      create: boolean;
      sessionId: string | null;
      sessionUrl: string | null;
      fromOffer: boolean;
    }
  | { ok: false; reason: "full" | "already_member"; seatsLeft: 0 | null };
export type AttachResult = { attached: boolean; sessionId: string | null; sessionUrl: string | null };
export type JoinResult = { ok: true } | { ok: false; reason: "full" | "already_member" };
/** `duplicate`: this person is already a member under another subscription — undo this one. */
export type ConfirmResult = { ok: true; already: boolean } | { ok: false; reason: "full" | "ended" | "duplicate" };
export type SeatStatus = { cap: number | null; members: number; holds: number; seatsLeft: number | null; waitlist: number };

type OutboxRow = { id: number; kind: string; payload: string };

const now = () => Math.floor(Date.now() / 1000);

export class TierSeats extends DurableObject<Env> {
  private sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
        CREATE TABLE IF NOT EXISTS holds (hold_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL,
          expires_at INTEGER NOT NULL, session_id TEXT, created_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS holds_user ON holds(user_id);
        CREATE INDEX IF NOT EXISTS holds_session ON holds(session_id);
        CREATE TABLE IF NOT EXISTS members (sub_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, confirmed_at INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS members_user ON members(user_id);
        CREATE TABLE IF NOT EXISTS ended (sub_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS released (hold_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS waitlist (seq INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL UNIQUE, joined_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL);
      `);
      // Added for "one open checkout per person" (D52): the session's URL and the opener's lease.
      const cols = new Set(
        this.sql
          .exec("SELECT name FROM pragma_table_info('holds')")
          .toArray()
          .map((r) => String(r.name)),
      );
      if (!cols.has("session_url")) this.sql.exec("ALTER TABLE holds ADD COLUMN session_url TEXT");
      if (!cols.has("lease_until")) this.sql.exec("ALTER TABLE holds ADD COLUMN lease_until INTEGER");
    });
  }

  // ------------------------------------------------------------------ helpers (all synchronous)

  private get tierId(): string | null {
    return (this.sql.exec("SELECT v FROM meta WHERE k='tier'").toArray()[0]?.v as string | undefined) ?? null;
  }

  /** The cap, read from storage once per instance (this object is its only writer). */
  private capCached: number | null | undefined;
  private get cap(): number | null {
    if (this.capCached === undefined) {
      const v = this.sql.exec("SELECT v FROM meta WHERE k='cap'").toArray()[0]?.v as string | undefined;
      this.capCached = v === undefined || v === "" ? null : Number(v);
    }
    return this.capCached;
  }

  private count(table: "members" | "holds"): number {
    return Number(this.sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
  }

  /** Drops holds whose time is up: offers at their expiry, checkout holds after the grace period. */
  private purge(t: number) {
    const gone = this.sql
      .exec(
        "SELECT hold_id FROM holds WHERE (kind='offer' AND expires_at<=?) OR (kind='checkout' AND expires_at+?<=?)",
        t,
        HOLD_GRACE_SECONDS,
        t,
      )
      .toArray();
    for (const r of gone) {
      this.sql.exec("DELETE FROM holds WHERE hold_id=?", r.hold_id);
      this.sql.exec("INSERT OR IGNORE INTO released(hold_id, at) VALUES (?, ?)", r.hold_id, t);
    }
    return gone.length;
  }

  private seatsLeft(): number | null {
    const cap = this.cap;
    return cap === null ? null : Math.max(0, cap - this.count("members") - this.count("holds"));
  }

  /** While there is room and people are waiting, reserve a seat for the next one and notify them. */
  private offerNext(t: number) {
    const tier = this.tierId;
    for (;;) {
      const left = this.seatsLeft();
      if (left === null || left <= 0) return;
      const next = this.sql.exec("SELECT seq, user_id FROM waitlist ORDER BY seq LIMIT 1").toArray()[0];
      if (!next) return;
      this.sql.exec("DELETE FROM waitlist WHERE seq=?", next.seq);
      const userId = String(next.user_id);
      if (this.sql.exec("SELECT 1 FROM members WHERE user_id=?", userId).toArray().length) continue;
      const holdId = `offer_${next.seq}_${t}`;
      const expiresAt = t + OFFER_TTL_SECONDS;
      this.sql.exec(
        "INSERT INTO holds(hold_id,user_id,kind,expires_at,session_id,created_at) VALUES (?,?,?,?,NULL,?)",
        holdId,
        userId,
        "offer",
        expiresAt,
        t,
      );
      this.sql.exec("INSERT INTO outbox(kind,payload) VALUES ('offer', ?)", JSON.stringify({ tierId: tier, userId, holdId, expiresAt }));
    }
  }

  private scheduleAlarm() {
    const row = this.sql
      .exec("SELECT MIN(CASE WHEN kind='offer' THEN expires_at ELSE expires_at+? END) AS at FROM holds", HOLD_GRACE_SECONDS)
      .one();
    const pendingOutbox = Number(this.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n) > 0;
    const at = row.at === null ? null : Number(row.at);
    if (pendingOutbox) return this.ctx.storage.setAlarm(Date.now() + 30_000);
    if (at !== null) return this.ctx.storage.setAlarm(Math.max(at * 1000, Date.now() + 1000));
  }

  /** Writes pending outbox rows to D1 (idempotent inserts), then deletes them. Retried by the alarm. */
  private async flush() {
    const rows = this.sql.exec("SELECT id, kind, payload FROM outbox ORDER BY id LIMIT 50").toArray() as unknown as OutboxRow[];
    if (!rows.length) return;
    try {
      const stmts = rows.flatMap((r) => {
        const p = JSON.parse(r.payload) as { tierId: string; userId: string; holdId: string; expiresAt: number };
        return [
          this.env.DB.prepare(
            "INSERT OR IGNORE INTO notifications(id,user_id,kind,message,link,expires_at,created_at) SELECT ?, ?, 'waitlist_offer', 'A seat opened up in ' || t.name || ' — it is held for you for 24 hours.', '/tiers/' || t.id, ?, ? FROM tiers t WHERE t.id=?",
          ).bind(`offer:${p.holdId}:${p.tierId}`, p.userId, p.expiresAt, now(), p.tierId),
        ];
      });
      await this.env.DB.batch(stmts);
      // Each offer is also emailed (D132), keyed on the offer: a flush retried after a failure, or
      // run twice, sends one email. The consumer checks preferences and that the offer is still open.
      const offers = rows
        .filter((r) => r.kind === "offer")
        .map((r) => JSON.parse(r.payload) as { tierId: string; userId: string; holdId: string; expiresAt: number });
      if (offers.length)
        await this.env.EMAIL_QUEUE.sendBatch(
          offers.map((p) => ({
            body: { type: "tx_email", kind: "waitlist_offer", key: `waitlist-offer:${p.tierId}:${p.holdId}`, ref: { ...p } },
            contentType: "json" as const,
          })),
        );
      for (const r of rows) this.sql.exec("DELETE FROM outbox WHERE id=?", r.id);
    } catch {
      await this.ctx.storage.setAlarm(Date.now() + 30_000);
    }
  }

  private async after() {
    await this.flush();
    await this.scheduleAlarm();
  }

  // ------------------------------------------------------------------ RPC

  /** Sets the tier id and cap (null = unlimited). Lowering the cap never removes anyone. */
  async configure(tierId: string, cap: number | null): Promise<SeatStatus> {
    this.sql.exec("INSERT OR REPLACE INTO meta(k,v) VALUES ('tier', ?)", tierId);
    this.sql.exec("INSERT OR REPLACE INTO meta(k,v) VALUES ('cap', ?)", cap === null ? "" : String(cap));
    this.capCached = cap;
    this.offerNext(now());
    await this.after();
    return this.status();
  }

  /**
   * Takes a seat for `userId` until `expiresAt` (their Checkout Session's expiry). Idempotent per
   * user: an existing checkout hold is returned as is; a seat offered from the waitlist becomes
   * theirs for the checkout. Exactly one caller per hold is told to open the session
   * (`create: true`); a concurrent call of the same person waits here until that session is
   * attached (then gets it, `create: false`), the hold is released (then reserves afresh), or the
   * opener's lease lapses (then it becomes the opener).
   */
  async reserve(input: { holdId: string; userId: string; expiresAt: number }): Promise<ReserveResult> {
    for (;;) {
      const result = this.reserveSync(input);
      if (!("wait" in result)) {
        await this.after();
        return result;
      }
      // Another request of this person is opening their checkout: wait for it, then look again.
      await this.waitForCheckout(result.holdId, result.until);
    }
  }

  /** Callers waiting for the session of a hold (in memory: after a restart they simply ask again). */
  private waiters = new Map<string, (() => void)[]>();

  private waitForCheckout(holdId: string, until: number): Promise<void> {
    return new Promise((resolve) => {
      const list = this.waiters.get(holdId) ?? [];
      list.push(resolve);
      this.waiters.set(holdId, list);
      setTimeout(resolve, Math.max(0, until - now()) * 1000 + 100);
    });
  }

  private wake(holdId: string) {
    const list = this.waiters.get(holdId);
    this.waiters.delete(holdId);
    for (const resolve of list ?? []) resolve();
  }

  private reserveSync({
    holdId,
    userId,
    expiresAt,
  }: {
    holdId: string;
    userId: string;
    expiresAt: number;
  }): ReserveResult | { wait: true; holdId: string; until: number } {
    const t = now();
    this.purge(t);
    // Seats freed by lapsed holds go to the waitlist first (possibly to this very person).
    this.offerNext(t);
    if (this.sql.exec("SELECT 1 FROM members WHERE user_id=?", userId).toArray().length) {
      return { ok: false, reason: "already_member", seatsLeft: null };
    }
    const existing = this.sql
      .exec(
        "SELECT hold_id, kind, expires_at, session_id, session_url, lease_until FROM holds WHERE user_id=? OR hold_id=?",
        userId,
        holdId,
      )
      .toArray()[0];
    if (existing && existing.kind === "checkout" && Number(existing.expires_at) > t + 60) {
      const held = { ok: true as const, holdId: String(existing.hold_id), expiresAt: Number(existing.expires_at), fromOffer: false };
      if (existing.session_id)
        return {
          ...held,
          create: false,
          sessionId: String(existing.session_id),
          sessionUrl: (existing.session_url as string | null) ?? null,
        };
      const lease = Number(existing.lease_until ?? 0);
      if (lease > t) return { wait: true, holdId: held.holdId, until: lease };
      // Whoever was opening the session gave up (or crashed): this caller opens it.
      this.sql.exec("UPDATE holds SET lease_until=? WHERE hold_id=?", t + CREATE_LEASE_SECONDS, held.holdId);
      return { ...held, create: true, sessionId: null, sessionUrl: null };
    }
    if (existing) {
      // An offer (or an almost-expired hold) becomes a fresh checkout hold for this attempt.
      this.sql.exec("DELETE FROM holds WHERE hold_id=?", existing.hold_id);
      this.wake(String(existing.hold_id));
      this.insertCheckoutHold(holdId, userId, expiresAt, t);
      return { ok: true, holdId, expiresAt, create: true, sessionId: null, sessionUrl: null, fromOffer: existing.kind === "offer" };
    }
    const left = this.seatsLeft();
    if (left !== null && left <= 0) return { ok: false, reason: "full", seatsLeft: 0 };
    this.insertCheckoutHold(holdId, userId, expiresAt, t);
    return { ok: true, holdId, expiresAt, create: true, sessionId: null, sessionUrl: null, fromOffer: false };
  }

  private insertCheckoutHold(holdId: string, userId: string, expiresAt: number, t: number) {
    this.sql.exec(
      "INSERT INTO holds(hold_id,user_id,kind,expires_at,session_id,created_at,lease_until) VALUES (?,?,?,?,NULL,?,?)",
      holdId,
      userId,
      "checkout",
      expiresAt,
      t,
      t + CREATE_LEASE_SECONDS,
    );
    this.sql.exec("DELETE FROM waitlist WHERE user_id=?", userId);
  }

  /**
   * Records which Checkout Session a hold belongs to (so its expiry can release it, and so the
   * person's other requests reuse it). The first session attached stays: a late opener whose lease
   * had lapsed gets the attached one back (`attached: false`) and should expire its own.
   */
  async attach(holdId: string, sessionId: string, sessionUrl: string | null = null): Promise<AttachResult> {
    const row = this.sql.exec("SELECT session_id, session_url FROM holds WHERE hold_id=?", holdId).toArray()[0];
    if (!row) return { attached: false, sessionId: null, sessionUrl: null };
    if (row.session_id && row.session_id !== sessionId)
      return { attached: false, sessionId: String(row.session_id), sessionUrl: (row.session_url as string | null) ?? null };
    this.sql.exec("UPDATE holds SET session_id=?, session_url=?, lease_until=NULL WHERE hold_id=?", sessionId, sessionUrl, holdId);
    this.wake(holdId);
    return { attached: true, sessionId, sessionUrl };
  }

  /**
   * A free tier's join, in one synchronous step: already a member → refused; a seat offered to or
   * held for this person is theirs; otherwise only with room. `memberId` is the membership's id.
   */
  async join(input: { userId: string; memberId: string }): Promise<JoinResult> {
    const t = now();
    const { userId, memberId } = input;
    this.purge(t);
    this.offerNext(t);
    if (this.sql.exec("SELECT 1 FROM members WHERE user_id=?", userId).toArray().length) return { ok: false, reason: "already_member" };
    const mine = this.sql.exec("SELECT hold_id FROM holds WHERE user_id=?", userId).toArray();
    if (!mine.length) {
      const left = this.seatsLeft();
      if (left !== null && left <= 0) return { ok: false, reason: "full" };
    }
    for (const h of mine) this.sql.exec("DELETE FROM holds WHERE hold_id=?", h.hold_id);
    this.sql.exec("INSERT INTO members(sub_id,user_id,confirmed_at) VALUES (?,?,?)", memberId, userId, t);
    this.sql.exec("DELETE FROM waitlist WHERE user_id=?", userId);
    await this.after();
    for (const h of mine) this.wake(String(h.hold_id));
    return { ok: true };
  }

  /**
   * Holds a seat for a member moving here from another tier of the same creator (a tier switch,
   * D65): one synchronous step — already a member → refused; a seat offered to this person (or a
   * checkout hold of theirs) becomes this hold; otherwise only with room. The hold is confirmed
   * (`confirm` with the same id as hold and seat key) once Stripe has switched the subscription,
   * or released when the switch fails or is withdrawn. Idempotent on `holdId`.
   */
  async holdSwitch(input: { holdId: string; userId: string; expiresAt: number }): Promise<JoinResult> {
    const t = now();
    const { holdId, userId, expiresAt } = input;
    this.purge(t);
    this.offerNext(t);
    if (this.sql.exec("SELECT 1 FROM holds WHERE hold_id=?", holdId).toArray().length) return { ok: true };
    if (this.sql.exec("SELECT 1 FROM members WHERE user_id=?", userId).toArray().length) return { ok: false, reason: "already_member" };
    const mine = this.sql.exec("SELECT hold_id FROM holds WHERE user_id=?", userId).toArray();
    if (!mine.length) {
      const left = this.seatsLeft();
      if (left !== null && left <= 0) return { ok: false, reason: "full" };
    }
    for (const h of mine) this.sql.exec("DELETE FROM holds WHERE hold_id=?", h.hold_id);
    this.sql.exec(
      "INSERT INTO holds(hold_id,user_id,kind,expires_at,session_id,created_at,lease_until) VALUES (?,?,'checkout',?,NULL,?,NULL)",
      holdId,
      userId,
      expiresAt,
      t,
    );
    this.sql.exec("DELETE FROM waitlist WHERE user_id=?", userId);
    await this.after();
    for (const h of mine) this.wake(String(h.hold_id));
    return { ok: true };
  }

  /** Payment verified: the hold becomes a member. Idempotent on the subscription id. */
  async confirm(input: { holdId: string | null; subscriptionId: string; userId: string }): Promise<ConfirmResult> {
    const t = now();
    const { holdId, subscriptionId, userId } = input;
    if (this.sql.exec("SELECT 1 FROM ended WHERE sub_id=?", subscriptionId).toArray().length) return { ok: false, reason: "ended" };
    if (this.sql.exec("SELECT 1 FROM members WHERE sub_id=?", subscriptionId).toArray().length) return { ok: true, already: true };
    if (this.sql.exec("SELECT 1 FROM members WHERE user_id=?", userId).toArray().length) {
      // Paid twice for one tier (two sessions opened before they were deduplicated, or made at
      // Stripe directly): the first confirmed stays the only seat; this one's hold, if any, goes.
      if (holdId) this.sql.exec("DELETE FROM holds WHERE hold_id=? AND user_id=?", holdId, userId);
      await this.after();
      return { ok: false, reason: "duplicate" };
    }
    const hold = holdId ? this.sql.exec("SELECT hold_id FROM holds WHERE hold_id=? AND kind='checkout'", holdId).toArray()[0] : undefined;
    if (hold) {
      this.sql.exec("DELETE FROM holds WHERE hold_id=?", holdId);
    } else {
      this.purge(t);
      const left = this.seatsLeft();
      if (left !== null && left <= 0) return { ok: false, reason: "full" };
    }
    this.sql.exec("INSERT INTO members(sub_id,user_id,confirmed_at) VALUES (?,?,?)", subscriptionId, userId, t);
    this.sql.exec("DELETE FROM waitlist WHERE user_id=?", userId);
    await this.after();
    return { ok: true, already: false };
  }

  /** Checkout expired, was abandoned or failed: give the seat back (and offer it on). Idempotent. */
  async release(input: { holdId?: string | null; sessionId?: string | null }): Promise<boolean> {
    const t = now();
    const row = input.holdId
      ? this.sql.exec("SELECT hold_id FROM holds WHERE hold_id=?", input.holdId).toArray()[0]
      : input.sessionId
        ? this.sql.exec("SELECT hold_id FROM holds WHERE session_id=?", input.sessionId).toArray()[0]
        : undefined;
    if (!row) return false;
    this.sql.exec("DELETE FROM holds WHERE hold_id=?", row.hold_id);
    this.sql.exec("INSERT OR IGNORE INTO released(hold_id, at) VALUES (?, ?)", row.hold_id, t);
    this.wake(String(row.hold_id));
    this.offerNext(t);
    await this.after();
    return true;
  }

  /** A membership ended (canceled, or undone): frees the seat for good. Idempotent on the id. */
  async end(subscriptionId: string): Promise<boolean> {
    const t = now();
    this.sql.exec("INSERT OR IGNORE INTO ended(sub_id, at) VALUES (?, ?)", subscriptionId, t);
    const had = this.sql.exec("SELECT 1 FROM members WHERE sub_id=?", subscriptionId).toArray().length > 0;
    if (had) this.sql.exec("DELETE FROM members WHERE sub_id=?", subscriptionId);
    this.offerNext(t);
    await this.after();
    return had;
  }

  /** Joins the waitlist (only meaningful when full). Returns the 1-based position. */
  async joinWaitlist(userId: string): Promise<{ position: number; offered: boolean }> {
    const t = now();
    this.purge(t);
    if (this.sql.exec("SELECT 1 FROM holds WHERE user_id=? AND kind='offer'", userId).toArray().length)
      return { position: 0, offered: true };
    this.sql.exec("INSERT OR IGNORE INTO waitlist(user_id, joined_at) VALUES (?, ?)", userId, t);
    this.offerNext(t);
    const offered = this.sql.exec("SELECT 1 FROM holds WHERE user_id=? AND kind='offer'", userId).toArray().length > 0;
    const seq = this.sql.exec("SELECT seq FROM waitlist WHERE user_id=?", userId).toArray()[0]?.seq;
    const position = seq === undefined ? 0 : Number(this.sql.exec("SELECT COUNT(*) AS n FROM waitlist WHERE seq<=?", seq).one().n);
    await this.after();
    return { position, offered };
  }

  async leaveWaitlist(userId: string): Promise<void> {
    this.sql.exec("DELETE FROM waitlist WHERE user_id=?", userId);
  }

  /** A seat offered from the waitlist that is still open (not taken, not lapsed): whose it is and until when. */
  async offer(holdId: string): Promise<{ userId: string; expiresAt: number } | null> {
    const r = this.sql
      .exec("SELECT user_id, expires_at FROM holds WHERE hold_id=? AND kind='offer' AND expires_at>?", holdId, now())
      .toArray()[0];
    return r ? { userId: String(r.user_id), expiresAt: Number(r.expires_at) } : null;
  }

  /** Seats left (null: no cap) and nothing else: what every storefront render asks. */
  async left(): Promise<number | null> {
    return this.seatsLeft();
  }

  /** What the pages show: cap, confirmed members, seats held, seats left, people waiting. */
  async status(userId?: string): Promise<SeatStatus & { offerExpiresAt?: number | null; waitlistPosition?: number | null }> {
    const t = now();
    const base: SeatStatus = {
      cap: this.cap,
      members: this.count("members"),
      holds: Number(
        this.sql
          .exec(
            "SELECT COUNT(*) AS n FROM holds WHERE (kind='offer' AND expires_at>?) OR (kind='checkout' AND expires_at+?>?)",
            t,
            HOLD_GRACE_SECONDS,
            t,
          )
          .one().n,
      ),
      seatsLeft: this.seatsLeft(),
      waitlist: Number(this.sql.exec("SELECT COUNT(*) AS n FROM waitlist").one().n),
    };
    if (!userId) return base;
    const offer = this.sql.exec("SELECT expires_at FROM holds WHERE user_id=? AND kind='offer' AND expires_at>?", userId, t).toArray()[0];
    const seq = this.sql.exec("SELECT seq FROM waitlist WHERE user_id=?", userId).toArray()[0]?.seq;
    const position = seq === undefined ? null : Number(this.sql.exec("SELECT COUNT(*) AS n FROM waitlist WHERE seq<=?", seq).one().n);
    return { ...base, offerExpiresAt: offer ? Number(offer.expires_at) : null, waitlistPosition: position };
  }

  /** Confirmed member subscription ids (for reconciliation with D1). */
  async memberIds(): Promise<string[]> {
    return this.sql
      .exec("SELECT sub_id FROM members ORDER BY confirmed_at")
      .toArray()
      .map((r) => String(r.sub_id));
  }

  /** Sweeps expired holds, offers freed seats to the waitlist, drains the outbox, reschedules. */
  async alarm(): Promise<void> {
    const t = now();
    const swept = this.purge(t);
    this.offerNext(t);
    await this.flush();
    // Lapsed holds give seats back: the storefront shows seats left, so its cache key must move
    // (every other seat change goes through a caller that does this itself).
    const tierId = this.tierId;
    if (swept > 0 && tierId) await markSeatsChanged(this.env, tierId).catch(() => this.ctx.storage.setAlarm(Date.now() + 30_000));
    await this.scheduleAlarm();
  }
}
