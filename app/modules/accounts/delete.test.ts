import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { createProduct, makeTier, membership, PDF, subscribeAndPay, upload, buy } from "~/test/money";
import { deliver, emulator } from "~/test/stripe";
import { DEMO_PASSWORD, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { becomeCreator, changeHandle } from "~/modules/storefronts/service.server";
import { sessions, users } from "~/modules/identity/schema";
import { creators } from "~/modules/storefronts/schema";
import { orders } from "~/modules/payments/schema";
import { devMailbox } from "~/modules/email/schema";
import { follows } from "~/modules/follows/schema";

/** Mail to `to` whose subject contains `about` (members also get their own receipts and welcome mail). */
async function mailFor(to: string, about: string) {
  for (let i = 0; i < 200; i++) {
    const rows = (await getDb(env).select().from(devMailbox).where(eq(devMailbox.to, to))).filter((m) => m.subject.includes(about));
    if (rows.length) return rows;
    await new Promise((r) => setTimeout(r, 25));
  }
  return [];
}

describe("delete account", () => {
  it("explains the consequences first and refuses a wrong password without changing anything", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const page = await (await app("/settings/delete", { cookie })).text();
    for (const s of [
      "Your memberships",
      "Your tiers stop renewing",
      "keep them",
      "/library",
      "Payouts",
      "reserved for 90 days",
      "Orders stay",
    ])
      expect(page).toContain(s);
    const wrong = await postForm("/settings/delete", { password: "not-my-password" }, { cookie });
    expect(wrong.status).toBe(422);
    expect((await getDb(env).query.users.findFirst({ where: eq(users.id, seller.id) }))!.deletedAt).toBeNull();
    expect((await app(`/@${seller.handle}`)).status).toBe(200);
  });

  it("a creator with members and buyers: nobody is charged again, members are told, buyers keep downloads, personal data goes", async () => {
    // The creator sells a product (bought) and a tier (one paying member); they also pay for another creator's tier.
    const seller = await makeSeller(env, { displayName: "Leaving Lou" });
    const sellerCookie = await seller.cookie();
    const p = await createProduct(sellerCookie);
    const up = await upload(p.id, "guide.pdf", PDF, sellerCookie);
    const fileId = ((await up.json()) as { id: string }).id;
    expect((await postForm(`/dashboard/products/${p.id}`, { intent: "publish" }, { cookie: sellerCookie })).status).toBe(200);
    const buyer = await makeUser(env);
    const buyerCookie = await buyer.cookie();
    await buy(p.id, seller.handle, p.slug, buyerCookie);
    await deliver(buyer.id);
    const tier = await makeTier(sellerCookie);
    const member = await makeUser(env);
    await subscribeAndPay(String(tier.id), await member.cookie());
    await deliver(member.id);
    const memberSub = (await membership(member.id, String(tier.id)))!.sub;

    const other = await makeSeller(env);
    const otherTier = await makeTier(await other.cookie());
    await subscribeAndPay(String(otherTier.id), sellerCookie);
    await deliver(seller.id);
    const heldSub = (await membership(seller.id, String(otherTier.id)))!.sub;
    await followCreator(env, seller.viewer, other.handle);

    const res = await postForm("/settings/delete", { password: DEMO_PASSWORD }, { cookie: sellerCookie });
    expect(res.status).toBe(302);
    expect(res.headers.get("Set-Cookie")).toContain("at_session=;");

    // Stripe: both subscriptions cancel at period end; the member's renewal ends it instead of charging.
    const stripe = getStripe(env);
    expect((await stripe.subscriptions.retrieve(memberSub)).cancel_at_period_end).toBe(true);
    expect((await stripe.subscriptions.retrieve(heldSub)).cancel_at_period_end).toBe(true);
    expect((await membership(seller.id, String(otherTier.id)))!.cancelAtPeriodEnd).toBe(1);
    await emulator(`/_emulator/subscriptions/${memberSub}/renew`, {});
    expect((await stripe.subscriptions.retrieve(memberSub)).status).toBe("canceled");
    expect((await stripe.invoices.list({ subscription: memberSub })).data).toHaveLength(1);

    // The member is emailed through the email queue.
    const mail = await mailFor(member.email, "Leaving Lou's membership won't renew");
    expect(mail).toHaveLength(1);
    expect(mail[0].text).toContain("You won't be charged again");

    // The person who left gets one last mail at the address they had, saying what happened and what stays.
    const farewell = await mailFor(seller.email, "Your All Thrive account was deleted");
    expect(farewell).toHaveLength(1);
    expect(farewell[0].text).toContain("your members were told");
    expect(farewell[0].text).toContain("payouts already owed keep settling");

    // The buyer keeps the download.
    const dl = await app(`/library/download/${fileId}`, { cookie: buyerCookie });
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(PDF);

    // Personal data gone; the order (amounts) stays for accounting.
    const u = (await getDb(env).query.users.findFirst({ where: eq(users.id, seller.id) }))!;
    expect(u.email).not.toBe(seller.email);
    expect(u.email).toMatch(/@deleted\.invalid$/);
    expect(u.deletedAt).not.toBeNull();
    expect(await getDb(env).select().from(sessions).where(eq(sessions.userId, seller.id))).toHaveLength(0);
    const c = (await getDb(env).query.creators.findFirst({ where: eq(creators.userId, seller.id) }))!;
    expect(c).toMatchObject({ displayName: "Deleted creator", bioMarkdown: "", avatarKey: null });
    expect(c.handle).not.toBe(seller.handle);
    expect(await getDb(env).select().from(follows).where(eq(follows.followerId, seller.id))).toHaveLength(0);
    const [order] = await getDb(env).select().from(orders).where(eq(orders.productId, p.id));
    expect(order.gross).toBe(1999);
    expect((await app(`/@${seller.handle}`)).status).toBe(404);
    expect((await app("/settings", { cookie: sellerCookie })).status).toBe(302);
    expect((await postForm("/login", { email: seller.email, password: DEMO_PASSWORD })).status).toBe(401);

    // The handle is reserved (90 days): nobody else can claim it yet.
    const someone = await makeUser(env);
    await expect(becomeCreator(env, someone.viewer, { handle: seller.handle, displayName: "Impostor" })).rejects.toMatchObject({
      status: 409,
    });
  });

  it("a renamed creator's old handle stops redirecting when they delete, and stays reserved like the current one", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const old = seller.handle;
    const next = `r-${crypto.randomUUID().slice(0, 8)}`;
    await changeHandle(env, seller.viewer, { handle: next });
    expect((await app(`/@${old}`)).status).toBe(301);
    const res = await postForm("/settings/delete", { password: DEMO_PASSWORD }, { cookie });
    expect(res.status).toBeLessThan(400);
    expect((await app(`/@${old}`)).status).toBe(404);
    expect((await app(`/@${next}`)).status).toBe(404);
    const someone = await makeUser(env);
    for (const handle of [old, next])
      await expect(becomeCreator(env, someone.viewer, { handle, displayName: "Impostor" })).rejects.toMatchObject({ status: 409 });
  });
});
