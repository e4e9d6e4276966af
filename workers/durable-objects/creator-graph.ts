/**
 * CreatorGraph — one SQLite-backed Durable Object per creator (named by the creator's user id).
 *
 * It is the single writer for that creator's follow set and follower count: `follow`/`unfollow`
 * read the edge, write the edge, the count and an outbox row in ONE synchronous block (no await
 * between read and write), so the count is exact under any concurrency. The outbox is then drained
 * into D1 (`follows` edges + `creator_stats.follower_count`) by `drain()` — awaited by the caller so
 * lists are up to date when the request returns — and, if that fails or the object is evicted
 * mid-drain, by the alarm that the same synchronous block scheduled. D1 writes are idempotent and
 * sequence-guarded, so replays are harmless. See docs/apps-follows-discovery.md.
 */
import { DurableObject } from "cloudflare:workers";
import { applyFollowOps, type FollowOp } from "../../app/modules/follows/sync.server";

const DRAIN_CHUNK = 100;
/** Bounded work per invocation (D1 allows ~1,000 queries per invocation); the alarm continues. */
const MAX_CHUNKS_PER_DRAIN = 8;
const ALARM_DELAY_MS = 5_000;

export type FollowResult = { following: boolean; count: number; changed: boolean };

export class CreatorGraph extends DurableObject<Env> {
  private sql: SqlStorage;
  private draining: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS followers (user_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v);
        CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, follower_id TEXT NOT NULL, at INTEGER NOT NULL, count_after INTEGER NOT NULL);
      `);
    });
  }

  // ── synchronous core ────────────────────────────────────────────────────────────────────────

  private meta(k: string): string | number | null {
    const row = this.sql.exec<{ v: string | number }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0];
    return row ? row.v : null;
  }
  private setMeta(k: string, v: string | number) {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", k, v);
  }
  private currentCount(): number {
    return Number(this.meta("count") ?? 0);
  }
  private remember(creatorId: string) {
    if (this.meta("creator_id") !== creatorId) this.setMeta("creator_id", creatorId);
  }
  private isFollowing(followerId: string): { created_at: number } | undefined {
    return this.sql.exec<{ created_at: number }>("SELECT created_at FROM followers WHERE user_id = ?", followerId).toArray()[0];
  }

  /** Records one edge change + count + outbox row. Caller must not await inside. */
  private applySync(op: "follow" | "unfollow", followerId: string, at: number): FollowResult {
    const existing = this.isFollowing(followerId);
    let count = this.currentCount();
    if (op === "follow" && !existing) {
      this.sql.exec("INSERT INTO followers (user_id, created_at) VALUES (?, ?)", followerId, at);
      count += 1;
      this.setMeta("count", count);
      this.sql.exec("INSERT INTO outbox (op, follower_id, at, count_after) VALUES ('follow', ?, ?, ?)", followerId, at, count);
      return { following: true, count, changed: true };
    }
    if (op === "unfollow" && existing) {
      this.sql.exec("DELETE FROM followers WHERE user_id = ?", followerId);
      count -= 1;
      this.setMeta("count", count);
      // `at` = when the follow happened, so the trending signal it added can be taken back exactly.
      this.sql.exec(
        "INSERT INTO outbox (op, follower_id, at, count_after) VALUES ('unfollow', ?, ?, ?)",
        followerId,
        existing.created_at,
        count,
      );
      return { following: false, count, changed: true };
    }
    return { following: !!existing, count, changed: false };
  }

  private scheduleSafetyAlarm() {
    // Part of the same implicit transaction as the outbox row: if we are evicted before the
    // drain finishes, the alarm still delivers the rows to D1.
    void this.ctx.storage.setAlarm(Date.now() + ALARM_DELAY_MS);
  }

  // ── RPC ─────────────────────────────────────────────────────────────────────────────────────

  async follow(creatorId: string, followerId: string, at = Math.floor(Date.now() / 1000)): Promise<FollowResult> {
    if (creatorId === followerId) throw new Error("self-follow");
    this.remember(creatorId);
    const result = this.applySync("follow", followerId, at);
    if (result.changed) this.scheduleSafetyAlarm();
    await this.drainQuietly();
    return result;
  }

  async unfollow(creatorId: string, followerId: string): Promise<FollowResult> {
    this.remember(creatorId);
    const result = this.applySync("unfollow", followerId, Math.floor(Date.now() / 1000));
    if (result.changed) this.scheduleSafetyAlarm();
    await this.drainQuietly();
    return result;
  }

  /** Seeding helper: many follows in one synchronous block, then one drain. */
  async followMany(
    creatorId: string,
    followerIds: string[],
    at = Math.floor(Date.now() / 1000),
  ): Promise<{ count: number; added: number }> {
    this.remember(creatorId);
    let added = 0;
    for (const id of followerIds) if (id !== creatorId && this.applySync("follow", id, at).changed) added++;
    if (added) this.scheduleSafetyAlarm();
    await this.drainQuietly();
    return { count: this.currentCount(), added };
  }

  /** Seeding helper (demo history): many follows, each with its own past instant, then one drain. */
  async followManyAt(creatorId: string, follows: { id: string; at: number }[]): Promise<{ count: number; added: number }> {
    this.remember(creatorId);
    let added = 0;
    for (const f of follows) if (f.id !== creatorId && this.applySync("follow", f.id, f.at).changed) added++;
    if (added) this.scheduleSafetyAlarm();
    await this.drainQuietly();
    return { count: this.currentCount(), added };
  }

  async status(followerId: string | null): Promise<{ following: boolean; count: number }> {
    return { following: followerId ? !!this.isFollowing(followerId) : false, count: this.currentCount() };
  }

  /** For reconcile: the stored count, the real number of rows, how many ops wait in the outbox. */
  async summary(): Promise<{ count: number; rows: number; pending: number }> {
    const rows = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM followers").one().n;
    const pending = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
    return { count: this.currentCount(), rows, pending };
  }

  /** Follower ids in id order after `after` (keyset page), for reconcile. */
  async followerPage(after: string, limit = 1000): Promise<{ userId: string; createdAt: number }[]> {
    return this.sql
      .exec<{ user_id: string; created_at: number }>(
        "SELECT user_id, created_at FROM followers WHERE user_id > ? ORDER BY user_id LIMIT ?",
        after,
        limit,
      )
      .toArray()
      .map((r) => ({ userId: r.user_id, createdAt: r.created_at }));
  }

  /** Repairs the stored count from the rows (reconcile --repair). */
  async repairCount(): Promise<number> {
    const rows = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM followers").one().n;
    this.setMeta("count", rows);
    return rows;
  }

  /** Runs (or joins) an outbox drain and waits for it. */
  async flush(): Promise<number> {
    await this.drain();
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
  }

  async alarm(): Promise<void> {
    await this.drain(); // throws on failure → the runtime retries the alarm with backoff
    const left = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM outbox").one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + 100);
  }

  // ── outbox → D1 ─────────────────────────────────────────────────────────────────────────────

  private async drainQuietly() {
    try {
      await this.drain();
    } catch (e) {
      // The follow itself is recorded; the alarm retries the D1 write.
      console.warn("CreatorGraph: D1 sync failed, will retry from the alarm:", String(e));
      await this.ctx.storage.setAlarm(Date.now() + ALARM_DELAY_MS);
    }
  }

  /** One drain at a time; callers that arrive during a drain join it (it loops until empty). */
  private drain(): Promise<void> {
    if (!this.draining) this.draining = this.drainLoop().finally(() => (this.draining = null));
    return this.draining;
  }

  private async drainLoop(): Promise<void> {
    const creatorId = this.meta("creator_id");
    if (typeof creatorId !== "string") return;
    for (let i = 0; i < MAX_CHUNKS_PER_DRAIN; i++) {
      const ops = this.sql
        .exec<FollowOp>("SELECT seq, op, follower_id, at, count_after FROM outbox ORDER BY seq LIMIT ?", DRAIN_CHUNK)
        .toArray();
      if (!ops.length) return;
      await applyFollowOps(this.env, creatorId, ops);
      this.sql.exec("DELETE FROM outbox WHERE seq <= ?", ops[ops.length - 1].seq);
    }
    // More left: let the alarm continue so one invocation stays within D1's per-invocation limits.
    await this.ctx.storage.setAlarm(Date.now() + 50);
  }
}
