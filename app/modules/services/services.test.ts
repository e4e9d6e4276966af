import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { createService, setAvailability } from "~/test/services";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { placeholderPng } from "~/modules/media/placeholder.server";

const row = (id: string) => env.DB.prepare("SELECT * FROM services WHERE id = ?").bind(id).first<Record<string, unknown>>();

describe("services: dashboard CRUD", () => {
  it("creates each pricing kind with its own fields, in integer minor units", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const session = await createService(cookie, {
      price: "49.99",
      q0Label: "What do you want to cover?",
      q0Kind: "long",
      q0Required: "on",
    });
    expect(await row(session.id)).toMatchObject({
      pricing: "per_session",
      price_amount: 4999,
      duration_minutes: 30,
      status: "draft",
      max_hours: null,
      delivery_days: null,
    });
    expect(JSON.parse(String((await row(session.id))!.intake))).toEqual([
      { id: "q0", label: "What do you want to cover?", kind: "long", required: true, choices: [] },
    ]);
    const hourly = await createService(cookie, {
      pricing: "hourly",
      price: "120",
      durationMinutes: "60",
      maxHours: "4",
      hourStepMinutes: "30",
    });
    expect(await row(hourly.id)).toMatchObject({ pricing: "hourly", price_amount: 12000, max_hours: 4, hour_step_minutes: 30 });
    const pkg = await createService(cookie, { pricing: "fixed_package", price: "900", deliveryDays: "5", locationKind: "after_booking" });
    expect(await row(pkg.id)).toMatchObject({ pricing: "fixed_package", price_amount: 90000, delivery_days: 5, location_detail: null });
    const pack = await createService(cookie, { pricing: "pack", price: "400", packSessions: "3", packExpiryDays: "90" });
    expect(await row(pack.id)).toMatchObject({ pricing: "pack", pack_sessions: 3, pack_expiry_days: 90 });
    const free = await createService(cookie, { price: "0", durationMinutes: "15" });
    expect(await row(free.id)).toMatchObject({ price_amount: 0 });
  });

  it("refuses bad input with a clear 422/409 and writes nothing", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM services WHERE creator_id = ?").bind(c.id).first<number>("n");
    const bad = async (fields: Record<string, string>, message: RegExp, status = 422) => {
      const res = await postForm(
        "/dashboard/services/new",
        {
          title: "X",
          slug: `bad-${crypto.randomUUID().slice(0, 6)}`,
          durationMinutes: "30",
          locationKind: "video",
          pricing: "per_session",
          price: "50",
          currency: "usd",
          ...fields,
        },
        { cookie },
      );
      expect(res.status).toBe(status);
      expect(await res.text()).toMatch(message);
    };
    await bad({ durationMinutes: "10" }, /between 15 and 480/);
    await bad({ durationMinutes: "481" }, /between 15 and 480/);
    await bad({ pricing: "hourly", price: "0" }, /lowest price/);
    await bad({ pricing: "hourly", maxHours: "3", hourStepMinutes: "25" }, /15, 30 or 60/);
    await bad({ pricing: "pack", packSessions: "1", packExpiryDays: "30" }, /between 2 and 50/);
    await bad({ locationKind: "in_person", locationDetail: "" }, /address/);
    await bad({ locationKind: "video", locationDetail: "http://meet.example.com/x" }, /https/);
    await bad({ q0Label: "Pick one", q0Kind: "choice", q0Choices: "only" }, /2–10 choices/);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM services WHERE creator_id = ?").bind(c.id).first<number>("n");
    expect(after).toBe(before);
    const s = await createService(cookie);
    await bad({ slug: s.slug }, /already have a service at that address/, 409);
  });

  it("only the owner edits, publishes or uploads a cover; publishing a calendar service needs availability", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const s = await createService(cookie);
    const other = await makeCreator(env);
    const otherCookie = await other.cookie();
    expect((await postForm(`/dashboard/services/${s.id}`, { title: "Mine now" }, { cookie: otherCookie })).status).toBe(403);
    expect((await postForm(`/dashboard/services/${s.id}`, { intent: "publish" }, { cookie: otherCookie })).status).toBe(403);
    expect((await app(`/dashboard/services/${s.id}`, { cookie: otherCookie })).status).toBe(403);
    const png = await placeholderPng(64, 64, "#000000", "#ffffff");
    const cover = await app(`/dashboard/services/${s.id}/cover`, { method: "POST", body: png as unknown as BodyInit, cookie: otherCookie });
    expect(cover.status).toBe(403);
    expect((await row(s.id))!.title).toBe("Office hour");
    // A buyer without a storefront can't create one at all.
    const buyer = await makeUser(env);
    expect((await postForm("/dashboard/services/new", { title: "X", slug: "x" }, { cookie: await buyer.cookie() })).status).toBe(403);

    const publish = await postForm(`/dashboard/services/${s.id}`, { intent: "publish" }, { cookie });
    expect(publish.status).toBe(422);
    expect(await publish.text()).toMatch(/availability first/);
    await setAvailability(cookie);
    expect((await postForm(`/dashboard/services/${s.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
    // The owner's edit keeps what the request doesn't carry (no unpublish, same questions).
    expect((await postForm(`/dashboard/services/${s.id}`, { title: "Office hour (30 min)" }, { cookie })).status).toBe(200);
    expect(await row(s.id)).toMatchObject({ title: "Office hour (30 min)", status: "published", price_amount: 5000 });
    const ownCover = await app(`/dashboard/services/${s.id}/cover`, { method: "POST", body: png as unknown as BodyInit, cookie });
    expect(ownCover.status).toBe(200);
    expect((await row(s.id))!.cover_key).toMatch(/^public\/cover\//);
    // An SVG is not an image here (same upload rules as product covers).
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect((await app(`/dashboard/services/${s.id}/cover`, { method: "POST", body: svg as unknown as BodyInit, cookie })).status).toBe(415);
  });

  it("descriptions are sanitised Markdown on the public page; drafts are visible to their owner only", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    await setAvailability(cookie);
    const s = await createService(cookie, { description: "Hi <script>alert(1)</script> **bold** [x](javascript:alert(1))" });
    expect((await app(`/@${c.handle}/services/${s.slug}`)).status).toBe(404);
    const own = await app(`/@${c.handle}/services/${s.slug}?tz=UTC`, { cookie });
    expect(own.status).toBe(200);
    const html = await own.text();
    expect(html).toContain("<strong>bold</strong>");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("javascript:alert");
  });

  it("availability: validated (zone, hours, overrides) and only for the signed-in creator", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const bad = async (fields: Record<string, string>, msg: RegExp) => {
      const res = await postForm(
        "/dashboard/availability",
        { timeZone: "UTC", minNoticeMinutes: "0", horizonDays: "30", bufferBeforeMinutes: "0", bufferAfterMinutes: "0", ...fields },
        { cookie },
      );
      expect(res.status).toBe(422);
      expect(await res.text()).toMatch(msg);
    };
    await bad({ timeZone: "Mars/Olympus" }, /time zone/);
    await bad({ day1: "09:00-08:00" }, /HH:MM|hours like/);
    await bad({ day1: "09:00-12:00, 11:00-13:00" }, /overlap/);
    await bad({ overrides: "2026-02-30 off" }, /2026-12-24/);
    await bad({ horizonDays: "0" }, /between 1 and 365/);
    expect(await env.DB.prepare("SELECT 1 FROM service_availability WHERE creator_id = ?").bind(c.id).first()).toBeNull();
    await setAvailability(cookie, {
      timeZone: "America/New_York",
      day1: "09:00-12:00, 13:00-17:00",
      overrides: "2026-12-24 off\n2026-12-28 10:00-14:00",
      dailyMax: "4",
    });
    const a = await env.DB.prepare("SELECT * FROM service_availability WHERE creator_id = ?").bind(c.id).first<Record<string, string>>();
    expect(a).toMatchObject({ time_zone: "America/New_York", daily_max: 4 });
    expect(JSON.parse(a!.weekly)[1]).toEqual([
      { start: "09:00", end: "12:00" },
      { start: "13:00", end: "17:00" },
    ]);
    expect(JSON.parse(a!.overrides)).toEqual([
      { date: "2026-12-24", intervals: [] },
      { date: "2026-12-28", intervals: [{ start: "10:00", end: "14:00" }] },
    ]);
    // Signed out: sent to sign in, nothing saved.
    expect((await postForm("/dashboard/availability", { timeZone: "UTC" })).status).toBe(302);
  });
});
