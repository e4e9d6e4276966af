import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeApp, makeCreator } from "~/modules/demo/factories.server";
import { runQueueMessage } from "~/test/queues";
import { app } from "~/test/http";
import type { AnalyticsEvent, AnalyticsMessage } from "./events";
import { pageHitFromPath } from "./collect.server";
import { applyAnalyticsMessages, pruneAnalyticsDedupe, SOURCES_TOP_N } from "./rollup.server";

const at = (iso: string) => Date.parse(iso);
const msg = (events: AnalyticsEvent[], id = `m:${crypto.randomUUID()}`): AnalyticsMessage => ({ id, events });
const view = (handle: string, when: string, visitor?: string, extra: Partial<AnalyticsEvent> = {}): AnalyticsEvent =>
  ({ type: "view", at: at(when), page: { kind: "storefront", handle }, visitor, ...extra }) as AnalyticsEvent;

async function daily(creatorId: string) {
  const { results } = await env.DB.prepare(
    "SELECT day, item_kind, item_id, views, uniques, tries, follows, unfollows FROM analytics_daily WHERE creator_id = ? ORDER BY day, item_kind, item_id",
  )
    .bind(creatorId)
    .all<{
      day: string;
      item_kind: string;
      item_id: string;
      views: number;
      uniques: number;
      tries: number;
      follows: number;
      unfollows: number;
    }>();
  return results;
}
const totals = async (creatorId: string) => (await daily(creatorId)).filter((r) => r.item_kind === "creator");

describe("analytics rollups", () => {
  it("counts views per day, uniques once per visitor per day, and ignores duplicate messages", async () => {
    const c = await makeCreator(env);
    const m1 = msg([
      view(c.handle, "2026-03-01T10:00:00Z", "h:aaa"),
      view(c.handle, "2026-03-01T11:00:00Z", "h:aaa"),
      view(c.handle, "2026-03-01T12:00:00Z", "h:bbb"),
    ]);
    const m2 = msg([view(c.handle, "2026-03-01T13:00:00Z", "h:aaa"), view(c.handle, "2026-03-02T09:00:00Z", "h:aaa")]);
    expect(await applyAnalyticsMessages(env, [m1, m2])).toBe(2);
    // The same messages again (a redelivery), and m1 twice within one batch: nothing changes.
    expect(await applyAnalyticsMessages(env, [m2, m1, m1])).toBe(0);
    expect(await totals(c.id)).toEqual([
      { day: "2026-03-01", item_kind: "creator", item_id: "", views: 4, uniques: 2, tries: 0, follows: 0, unfollows: 0 },
      { day: "2026-03-02", item_kind: "creator", item_id: "", views: 1, uniques: 1, tries: 0, follows: 0, unfollows: 0 },
    ]);
    // The storefront page row mirrors the totals here (only storefront views so far).
    const rows = await daily(c.id);
    expect(rows.filter((r) => r.item_kind === "storefront").map((r) => [r.day, r.views, r.uniques])).toEqual([
      ["2026-03-01", 4, 2],
      ["2026-03-02", 1, 1],
    ]);
  });

  it("lands late and out-of-order events on their own day; uniques stay unique across batches", async () => {
    const c = await makeCreator(env);
    await applyAnalyticsMessages(env, [msg([view(c.handle, "2026-03-05T08:00:00Z", "h:x")])]);
    await applyAnalyticsMessages(env, [msg([view(c.handle, "2026-03-03T08:00:00Z", "h:x")])]); // two days late
    await applyAnalyticsMessages(env, [
      msg([view(c.handle, "2026-03-05T20:00:00Z", "h:x"), view(c.handle, "2026-03-05T21:00:00Z", "h:y")]),
    ]);
    expect((await totals(c.id)).map((r) => [r.day, r.views, r.uniques])).toEqual([
      ["2026-03-03", 1, 1],
      ["2026-03-05", 3, 2],
    ]);
  });

  it("uses the creator's time zone to decide the day", async () => {
    const c = await makeCreator(env);
    await env.DB.prepare("INSERT INTO analytics_settings (creator_id, time_zone, updated_at) VALUES (?, 'America/Los_Angeles', 0)")
      .bind(c.id)
      .run();
    // 2026-03-02 05:00 UTC is 21:00 on 1 March in Los Angeles (PST, UTC−8); 09:00 UTC is 01:00 on 2 March.
    await applyAnalyticsMessages(env, [
      msg([view(c.handle, "2026-03-02T05:00:00Z", "h:tz1"), view(c.handle, "2026-03-02T09:00:00Z", "h:tz1")]),
    ]);
    expect((await totals(c.id)).map((r) => [r.day, r.views, r.uniques])).toEqual([
      ["2026-03-01", 1, 1],
      ["2026-03-02", 1, 1],
    ]);
  });

  it("rolls up app views and try-clicks per app, follows and unfollows per day, and skips unknown pages", async () => {
    const c = await makeCreator(env);
    const app = await makeApp(env, c);
    const other = await makeCreator(env);
    await applyAnalyticsMessages(env, [
      msg([
        { type: "view", at: at("2026-04-01T10:00:00Z"), page: { kind: "app", key: app.slug }, visitor: "h:1" },
        { type: "view", at: at("2026-04-01T10:01:00Z"), page: { kind: "app", key: app.slug }, visitor: "h:2" },
        { type: "try", at: at("2026-04-01T10:02:00Z"), page: { kind: "app", key: app.slug }, visitor: "h:2" },
        { type: "view", at: at("2026-04-01T10:03:00Z"), page: { kind: "app", key: "no-such-app-anywhere" }, visitor: "h:3" },
        { type: "follow", at: at("2026-04-01T11:00:00Z"), creatorId: c.id },
        { type: "follow", at: at("2026-04-01T11:00:00Z"), creatorId: c.id },
        { type: "unfollow", at: at("2026-04-02T11:00:00Z"), creatorId: c.id },
      ]),
    ]);
    const rows = await daily(c.id);
    expect(rows.find((r) => r.item_kind === "app")).toMatchObject({ day: "2026-04-01", item_id: app.id, views: 2, uniques: 2, tries: 1 });
    expect((await totals(c.id)).map((r) => [r.day, r.views, r.tries, r.follows, r.unfollows])).toEqual([
      ["2026-04-01", 2, 1, 2, 0],
      ["2026-04-02", 0, 0, 0, 1],
    ]);
    expect(await daily(other.id)).toEqual([]);
  });

  it("keeps referrers and UTM values as the top N per day, the rest as (other)", async () => {
    const c = await makeCreator(env);
    const events = Array.from({ length: SOURCES_TOP_N + 5 }, (_, i) =>
      view(c.handle, "2026-05-01T12:00:00Z", `h:${i}`, { referrer: `site${i}.example`, utmCampaign: "launch" } as Partial<AnalyticsEvent>),
    );
    // One message per event, as page views arrive; then one more view from an already-kept site.
    await applyAnalyticsMessages(
      env,
      events.map((e) => msg([e])),
    );
    await applyAnalyticsMessages(env, [
      msg([view(c.handle, "2026-05-01T13:00:00Z", "h:again", { referrer: "site0.example" } as Partial<AnalyticsEvent>)]),
    ]);
    const { results } = await env.DB.prepare("SELECT dim, value, views FROM analytics_sources WHERE creator_id = ? ORDER BY dim, value")
      .bind(c.id)
      .all<{ dim: string; value: string; views: number }>();
    const refs = results.filter((r) => r.dim === "ref");
    expect(refs.filter((r) => r.value !== "(other)")).toHaveLength(SOURCES_TOP_N);
    expect(refs.find((r) => r.value === "(other)")?.views).toBe(5);
    expect(refs.find((r) => r.value === "site0.example")?.views).toBe(2);
    expect(refs.reduce((n, r) => n + r.views, 0)).toBe(SOURCES_TOP_N + 6);
    expect(results.find((r) => r.dim === "utm_campaign")).toEqual({ dim: "utm_campaign", value: "launch", views: SOURCES_TOP_N + 5 });
  });

  it("goes through the Worker's queue handler, and a redelivery with the same message changes nothing", async () => {
    const c = await makeCreator(env);
    const body = msg([view(c.handle, "2026-06-01T12:00:00Z", "h:q")], "m:queue-redelivery-test");
    const first = await runQueueMessage("allthrive-analytics", body);
    expect(first.explicitAcks.length + (first.ackAll ? 1 : 0)).toBeGreaterThan(0);
    await runQueueMessage("allthrive-analytics", body, { attempts: 2 });
    expect((await totals(c.id)).map((r) => [r.views, r.uniques])).toEqual([[1, 1]]);
    // A malformed body is acked and dropped (it could never succeed), not retried forever.
    const bad = await runQueueMessage("allthrive-analytics", { nope: true });
    expect(bad.retryBatch.retry).toBe(false);
  });

  it("merges an isolate's page hits into a few messages, and counts every hit exactly once", async () => {
    const c = await makeCreator(env);
    const applied = async () => (await env.DB.prepare("SELECT count(*) AS n FROM analytics_applied").first<{ n: number }>())!.n;
    const before = await applied();
    const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const hit = (ip: string, query = "") => app(`/@${c.handle}${query}`, { headers: { "User-Agent": ua, "CF-Connecting-IP": ip } });
    // 15 anonymous hits from two visitors (6 from a campaign link, 2 as Remix `.data` navigations),
    // and one from a bot, which is never counted.
    await Promise.all([
      ...Array.from({ length: 6 }, () => hit("203.0.113.1", "?utm_source=news")),
      ...Array.from({ length: 4 }, () => hit("203.0.113.1")),
      ...Array.from({ length: 3 }, () => hit("203.0.113.2")),
      app(`/@${c.handle}.data`, { headers: { "User-Agent": ua, "CF-Connecting-IP": "203.0.113.2" } }),
      app(`/@${c.handle}.data`, { headers: { "User-Agent": ua, "CF-Connecting-IP": "203.0.113.2" } }),
      app(`/@${c.handle}`, { headers: { "User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)" } }),
    ]);
    const deadline = Date.now() + 20_000;
    while ((await totals(c.id))[0]?.views !== 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect((await totals(c.id)).map((r) => [r.views, r.uniques])).toEqual([[15, 2]]);
    const { results } = await env.DB.prepare("SELECT dim, value, views FROM analytics_sources WHERE creator_id = ?").bind(c.id).all();
    expect(results).toEqual([{ dim: "utm_source", value: "news", views: 6 }]);
    // One message per hit would have been 15; the buffer sends them together (a busy machine may
    // split them over a flush or two).
    expect((await applied()) - before).toBeLessThanOrEqual(3);
  });

  it("prunes dedupe rows only after a few days", async () => {
    const c = await makeCreator(env);
    const id = `m:prune-${crypto.randomUUID()}`;
    await applyAnalyticsMessages(env, [msg([view(c.handle, "2026-06-02T12:00:00Z", "h:p")], id)], 1_000_000);
    await pruneAnalyticsDedupe(env, 1_000_000 + 86_400);
    expect(await env.DB.prepare("SELECT 1 FROM analytics_applied WHERE id = ?").bind(id).first()).not.toBeNull();
    await pruneAnalyticsDedupe(env, 1_000_000 + 4 * 86_400);
    expect(await env.DB.prepare("SELECT 1 FROM analytics_applied WHERE id = ?").bind(id).first()).toBeNull();
  });

  it("recognises the tracked pages from their paths", () => {
    expect(pageHitFromPath("/@Ana")).toEqual({ type: "view", page: { kind: "storefront", handle: "ana", key: undefined } });
    expect(pageHitFromPath("/@ana/products/guide.data")?.page).toEqual({ kind: "product", handle: "ana", key: "guide" });
    expect(pageHitFromPath("/apps/chat-bot/try")).toEqual({ type: "try", page: { kind: "app", handle: undefined, key: "chat-bot" } });
    expect(pageHitFromPath("/tiers/AbC123")?.page.key).toBe("AbC123");
    expect(pageHitFromPath("/dashboard")).toBeNull();
    expect(pageHitFromPath("/apps/x/edit")).toBeNull();
  });
});
