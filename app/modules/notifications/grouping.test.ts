import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { joinFreeTier } from "~/modules/payments/checkout.server";
import { saveTier } from "~/modules/tiers/service.server";
import { listNotifications, unreadCount } from "./service.server";

const freeTier = (c: Awaited<ReturnType<typeof makeCreator>>, name: string) =>
  saveTier(env, c.viewer, null, {
    name,
    pricing: "free",
    currency: "usd",
    description: "",
    benefits: "",
    monthly: "",
    annual: "",
    minimum: "",
    maxSubscribers: "",
  });

const read = (cookie: string, fields: Record<string, string>) =>
  app("/notifications", { method: "POST", body: new URLSearchParams(fields), cookie });

describe("notifications page", () => {
  it("groups repeats into one linked line that names who did it, and the bell counts it once", async () => {
    const c = await makeCreator(env);
    const { id: tierId } = await freeTier(c, "Inner circle");
    const named = await makeCreator(env, { displayName: "Ana Ruiz" });
    await joinFreeTier(env, named.viewer, tierId);
    for (let i = 0; i < 8; i++) await joinFreeTier(env, (await makeUser(env)).viewer, tierId);

    const { items } = await listNotifications(env, c.id, null);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      message: "9 new members joined Inner circle",
      count: 9,
      unread: true,
      link: `/dashboard/tiers/${tierId}`,
    });
    expect(items[0].detail).toBe(`Ana Ruiz (@${named.handle}) and 8 others`);
    expect(await unreadCount(env, c.id)).toBe(1);

    const cookie = await c.cookie();
    const html = await (await app("/notifications", { cookie })).text();
    expect(html).toContain("9 new members joined Inner circle");
    expect(html).toContain(`href="/dashboard/tiers/${tierId}"`);
    expect(html).toContain("Mark all read");
    expect(html).toContain("Notifications, 1 unread");
    expect(html).not.toContain("New member on Inner circle");
  });

  it("a single notification names who did what and links to its subject", async () => {
    const c = await makeCreator(env);
    const { id: tierId } = await freeTier(c, "Studio");
    const ana = await makeCreator(env, { displayName: "Ana Solo" });
    await joinFreeTier(env, ana.viewer, tierId);
    const [n] = (await listNotifications(env, c.id, null)).items;
    expect(n).toMatchObject({ message: `Ana Solo (@${ana.handle}) joined Studio`, count: 1, link: `/dashboard/tiers/${tierId}` });
  });

  it("following a grouped line's link marks the whole group read; someone else's id is a 404", async () => {
    const c = await makeCreator(env);
    for (let i = 0; i < 3; i++) await followCreator(env, (await makeCreator(env)).viewer, c.handle);
    const [n] = (await listNotifications(env, c.id, null)).items;
    expect(n).toMatchObject({ message: "3 new followers", count: 3, link: `/@${c.handle}/followers` });
    expect(n.detail).toMatch(/ and 1 other$/);

    const other = await makeUser(env);
    expect((await read(await other.cookie(), { intent: "read", id: n.id, group: n.groupKey ?? "" })).status).toBe(404);
    expect(await unreadCount(env, c.id)).toBe(1);

    expect((await read(await c.cookie(), { intent: "read", id: n.id, group: n.groupKey ?? "" })).status).toBe(200);
    expect(await unreadCount(env, c.id)).toBe(0);
    const after = (await listNotifications(env, c.id, null)).items;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ count: 3, unread: false });
  });
});
