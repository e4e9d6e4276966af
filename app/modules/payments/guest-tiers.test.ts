/**
 * Guest joins of paid tiers (D77): the membership goes to the account of the email Checkout
 * collected (made if new), nobody is signed in, only the browser that joined sees the thank-you
 * page, it reads the same whether or not the email had an account, one membership per person per
 * tier holds by email, and tier caps stay exact (a seat is held per guest checkout).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm, sessionCookie } from "~/test/http";
import { makeTier, membership, subscribeAndPay } from "~/test/money";
import { deliver, payCheckout } from "~/test/stripe";
import { makeSeller, makeUser } from "~/modules/demo/factories.server";
import { seats } from "~/modules/tiers/seats.server";

const guestCookieOf = (res: Response) => (res.headers.getSetCookie?.() ?? []).find((c) => c.startsWith("at_guest="))?.split(";")[0] ?? null;
const newEmail = () => `guest-${crypto.randomUUID().slice(0, 8)}@example.test`;

type Mail = { id: string; subject: string; text: string };
async function mailTo(to: string, prefix: string, timeoutMs = 15_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = (
      await env.DB.prepare("SELECT id, subject, text FROM dev_mailbox WHERE to_address=? ORDER BY id").bind(to).all<Mail>()
    ).results.filter((m) => m.id.startsWith(prefix));
    if (rows.length) return rows[0];
    if (Date.now() > deadline) throw new Error(`no ${prefix} email to ${to}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const startGuest = (tierId: string, fields: Record<string, string> = { interval: "month" }) =>
  postForm(`/tiers/${tierId}`, { intent: "subscribe", ...fields });

/** A guest joins `tierId` paying with `email`; webhooks delivered. Returns what the browser holds. */
async function guestJoins(tierId: string, email: string) {
  const start = await startGuest(tierId);
  expect(start.status).toBe(303);
  expect(sessionCookie(start)).toBeUndefined();
  const guest = guestCookieOf(start)!;
  expect(guest).toBeTruthy();
  const checkoutUrl = start.headers.get("Location")!;
  expect(checkoutUrl).toContain("/checkout/pay/cs_");
  const sessionId = checkoutUrl.split("/checkout/pay/")[1];
  const paid = await payCheckout(checkoutUrl, { email });
  expect(paid.status).toBe(303);
  const returnUrl = new URL(paid.headers.get("Location")!);
  const row = await env.DB.prepare("SELECT hold_id AS holdId FROM guest_checkouts WHERE session_id=?")
    .bind(sessionId)
    .first<{ holdId: string }>();
  return { guest, sessionId, holdId: row!.holdId, returnPath: returnUrl.pathname + returnUrl.search };
}

const userByEmail = (email: string) =>
  env.DB.prepare("SELECT id, guest_at AS guestAt FROM users WHERE email=?").bind(email).first<{ id: string; guestAt: number | null }>();

describe("guest join of a paid tier", () => {
  it("a new email: processing, then ready for this browser only; the membership is the new account's; welcome email sets a password", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { maxSubscribers: "10" });
    const tierId = String(t.id);
    const email = newEmail();
    const g = await guestJoins(tierId, email);

    const before = await (await app(g.returnPath, { cookie: g.guest })).text();
    expect(before).toContain("Processing…");

    await deliver(g.sessionId, g.holdId);
    const page = await app(g.returnPath, { cookie: g.guest });
    expect(sessionCookie(page)).toBeUndefined();
    const html = await page.text();
    expect(html).toContain("Ready");
    expect(html).toContain(`Thanks for joining ${t.name}`);
    // Anyone else: the sign-in redirect, nothing about the tier.
    const stranger = await app(g.returnPath, { cookie: "at_guest=someoneelsesTokenThatIsLongEnough1234" });
    expect(stranger.status).toBe(302);
    expect((await app(g.returnPath)).status).toBe(302);

    const u = (await userByEmail(email))!;
    expect(u.guestAt).not.toBeNull();
    expect(await membership(u.id, tierId)).toMatchObject({ status: "active", amount: 500, interval: "month" });
    const s = await seats(env, tierId).status();
    expect(s).toMatchObject({ members: 1, holds: 0, seatsLeft: 9 });

    const mail = await mailTo(email, "membership-started:");
    const link = /\/reset-password\/([A-Za-z0-9_-]+)/.exec(mail.text)![0];
    expect(mail.text).toContain("Set a password");
    const set = await postForm(link, { password: "a-long-enough-password" });
    expect(set.status).toBe(302);
    const session = sessionCookie(set)!;
    expect(session).toBeTruthy();
    expect(await (await app("/library", { cookie: session })).text()).toContain(String(t.name));
  });

  it("an email with an account: the same page, nobody signed in; the membership is that account's, its email has no set-password link", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { maxSubscribers: "10" });
    const tierId = String(t.id);
    const owner = await makeUser(env);
    const a = await guestJoins(tierId, owner.email);
    const b = await guestJoins(tierId, newEmail());
    await deliver(a.sessionId, a.holdId);
    await deliver(b.sessionId, b.holdId);
    const pageA = await app(a.returnPath, { cookie: a.guest });
    const pageB = await app(b.returnPath, { cookie: b.guest });
    expect(pageA.status).toBe(pageB.status);
    expect(sessionCookie(pageA)).toBeUndefined();
    const norm = (html: string, sid: string) => html.replaceAll(sid, "SID").replaceAll(encodeURIComponent(sid), "SID");
    expect(norm(await pageA.text(), a.sessionId)).toBe(norm(await pageB.text(), b.sessionId));
    expect((await app("/library", { cookie: a.guest })).status).toBe(302);
    expect(await membership(owner.id, tierId)).toMatchObject({ status: "active" });
    const mail = await mailTo(owner.email, "membership-started:");
    expect(mail.text).not.toContain("/reset-password/");
  });

  it("an email whose account is already a member: the same page; the second subscription is canceled and refunded; one seat", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { maxSubscribers: "10" });
    const tierId = String(t.id);
    const owner = await makeUser(env);
    await subscribeAndPay(tierId, await owner.cookie());
    await deliver(owner.id);
    expect(await membership(owner.id, tierId)).toMatchObject({ status: "active" });

    const a = await guestJoins(tierId, owner.email);
    const b = await guestJoins(tierId, newEmail());
    await deliver(a.sessionId, a.holdId);
    await deliver(b.sessionId, b.holdId);
    const norm = (html: string, sid: string) => html.replaceAll(sid, "SID").replaceAll(encodeURIComponent(sid), "SID");
    const pageA = norm(await (await app(a.returnPath, { cookie: a.guest })).text(), a.sessionId);
    const pageB = norm(await (await app(b.returnPath, { cookie: b.guest })).text(), b.sessionId);
    expect(pageA).toContain("Ready");
    expect(pageA).toBe(pageB);

    const rows = await env.DB.prepare(
      "SELECT status, end_reason AS endReason FROM memberships WHERE user_id=? AND tier_id=? ORDER BY status",
    )
      .bind(owner.id, tierId)
      .all<{ status: string; endReason: string | null }>();
    expect(rows.results.map((r) => [r.status, r.endReason])).toEqual([
      ["active", null],
      ["canceled", "duplicate"],
    ]);
    const s = await seats(env, tierId).status();
    expect(s).toMatchObject({ members: 2, holds: 0, seatsLeft: 8 }); // the owner and guest b
  });

  it("concurrent guest checkouts never exceed the cap; an expired one gives its seat back", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { maxSubscribers: "2" });
    const tierId = String(t.id);
    const res = await Promise.all(Array.from({ length: 5 }, () => startGuest(tierId)));
    const ok = res.filter((r) => r.status === 303);
    expect(ok).toHaveLength(2);
    expect(res.filter((r) => r.status === 409)).toHaveLength(3);
    expect(await (await res.find((r) => r.status === 409)!.text()).includes("waitlist")).toBe(true);
    expect(await seats(env, tierId).status()).toMatchObject({ holds: 2, seatsLeft: 0 });

    // Both pay (with the same new email: one person, one membership, one seat).
    const email = newEmail();
    const sessions = [];
    for (const r of ok) {
      const url = r.headers.get("Location")!;
      expect((await payCheckout(url, { email })).status).toBe(303);
      const sessionId = url.split("/checkout/pay/")[1];
      const row = await env.DB.prepare("SELECT hold_id AS holdId FROM guest_checkouts WHERE session_id=?")
        .bind(sessionId)
        .first<{ holdId: string }>();
      sessions.push({ sessionId, holdId: row!.holdId });
    }
    for (const s of sessions) await deliver(s.sessionId, s.holdId);
    const u = (await userByEmail(email))!;
    const live = await env.DB.prepare("SELECT count(*) AS n FROM memberships WHERE user_id=? AND tier_id=? AND status='active'")
      .bind(u.id, tierId)
      .first<{ n: number }>();
    expect(live!.n).toBe(1);
    const after = await seats(env, tierId).status();
    expect(after.members).toBe(1);
    expect(after.members + after.holds).toBeLessThanOrEqual(2);

    // Another guest now takes the free seat; an unpaid checkout that expires releases it.
    const third = await startGuest(tierId);
    expect(third.status).toBe(303);
    expect((await seats(env, tierId).status()).seatsLeft).toBe(0);
    expect((await startGuest(tierId)).status).toBe(409);
    const thirdSession = third.headers.get("Location")!.split("/checkout/pay/")[1];
    await getStripe(env).checkout.sessions.expire(thirdSession);
    await deliver(thirdSession);
    expect((await seats(env, tierId).status()).seatsLeft).toBe(1);
    const thirdPage = await app(`/checkout/return?session_id=${thirdSession}`, { cookie: guestCookieOf(third)! });
    expect(await thirdPage.text()).toContain("Checkout expired");
  });

  it("an email whose account has a paid membership of another tier of the creator: the same page; one paid membership kept (D65)", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const first = String((await makeTier(cookie, { maxSubscribers: "10" })).id);
    const other = String((await makeTier(cookie, { maxSubscribers: "10" })).id);
    // Signed out, the tier page offers the join.
    expect(await (await app(`/tiers/${other}`)).text()).toContain('value="subscribe"');
    const owner = await makeUser(env);
    await subscribeAndPay(first, await owner.cookie());
    await deliver(owner.id);
    const a = await guestJoins(other, owner.email);
    const b = await guestJoins(other, newEmail());
    await deliver(a.sessionId, a.holdId);
    await deliver(b.sessionId, b.holdId);
    const norm = (html: string, sid: string) => html.replaceAll(sid, "SID").replaceAll(encodeURIComponent(sid), "SID");
    const pageA = norm(await (await app(a.returnPath, { cookie: a.guest })).text(), a.sessionId);
    expect(pageA).toContain("Ready");
    expect(pageA).toBe(norm(await (await app(b.returnPath, { cookie: b.guest })).text(), b.sessionId));
    expect(await membership(owner.id, first)).toMatchObject({ status: "active" });
    expect(await membership(owner.id, other)).toMatchObject({ status: "canceled" });
    expect(await seats(env, other).status()).toMatchObject({ members: 1, holds: 0 }); // guest b only
  });

  it("free tiers ask a guest to sign in", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { pricing: "free", monthly: "", annual: "" });
    const res = await startGuest(String(t.id), {});
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Sign in or create an account to join this free tier.");
  });
});

/** Guest joins of free tiers and waitlists by email (D125): double opt-in, attach only after proof, no enumeration. */
describe("guest join of a free tier by email", () => {
  const askByEmail = (tierId: string, email: string, ip = `10.77.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) =>
    postForm(`/tiers/${tierId}`, { intent: "join-by-email", email }, { headers: { "CF-Connecting-IP": ip } });
  const confirmLinkIn = async (email: string) => {
    const mail = await mailTo(email, "guest-join:");
    return /\/tiers\/confirm\/[A-Za-z0-9_-]{43}/.exec(mail.text)![0];
  };
  const liveCount = async (userId: string, tierId: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM memberships WHERE user_id=? AND tier_id=? AND status='active'")
      .bind(userId, tierId)
      .first<{ n: number }>())!.n;

  it("nothing happens before the emailed link is confirmed; then the email's new account is a member (one per person), nobody signed in", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { pricing: "free", monthly: "", annual: "", maxSubscribers: "10" });
    const tierId = String(t.id);
    expect(await (await app(`/tiers/${tierId}`)).text()).toContain('value="join-by-email"');
    const email = newEmail();

    const bad = await askByEmail(tierId, "not-an-email");
    expect(bad.status).toBe(422);
    const asked = await askByEmail(tierId, email);
    expect(asked.status).toBe(200);
    expect(sessionCookie(asked)).toBeUndefined();
    expect(await asked.text()).toContain("Check your inbox");
    expect(await userByEmail(email)).toBeNull(); // no account for an unproven address

    const link = await confirmLinkIn(email);
    const page = await app(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Confirm and join");
    expect(await userByEmail(email)).toBeNull(); // opening the link (a mail scanner) changes nothing

    const done = await postForm(link, {});
    expect(done.status).toBe(200);
    expect(sessionCookie(done)).toBeUndefined();
    expect(await done.text()).toContain(`You&#x27;re a member of ${t.name}`);
    const u = (await userByEmail(email))!;
    expect(u.guestAt).not.toBeNull();
    expect(await liveCount(u.id, tierId)).toBe(1);
    expect((await postForm(link, {})).status).toBe(404); // single use

    // Asking again with the same address (any case) and confirming: still one membership, one seat.
    await askByEmail(tierId, email.toUpperCase());
    const again = (await env.DB.prepare("SELECT count(*) AS n FROM guest_tier_requests WHERE email=? AND used_at IS NULL")
      .bind(email)
      .first<{ n: number }>())!;
    expect(again.n).toBe(1);
    let second: string | undefined;
    for (let i = 0; i < 100 && !second; i++) {
      const mails = await env.DB.prepare("SELECT text FROM dev_mailbox WHERE to_address=? AND id LIKE 'guest-join:%'")
        .bind(email)
        .all<{ text: string }>();
      second = mails.results.map((m) => /\/tiers\/confirm\/[A-Za-z0-9_-]{43}/.exec(m.text)![0]).find((l) => l !== link);
      if (!second) await new Promise((r) => setTimeout(r, 150));
    }
    expect(second).toBeTruthy();
    expect((await postForm(second!, {})).status).toBe(200);
    expect(await liveCount(u.id, tierId)).toBe(1);
    expect(await seats(env, tierId).status()).toMatchObject({ members: 1 });

    for (let i = 0; i < 100; i++) {
      const n = await env.DB.prepare("SELECT count(*) AS n FROM dev_mailbox WHERE to_address=? AND id LIKE 'guest-joined:%'")
        .bind(email)
        .first<{ n: number }>();
      if (n!.n >= 2) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    // The newest welcome's link (a newer set-password link replaces an older one).
    const welcome = (await env.DB.prepare(
      "SELECT text FROM dev_mailbox WHERE to_address=? AND id LIKE 'guest-joined:%' ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
      .bind(email)
      .first<{ text: string }>())!;
    expect(welcome.text).toContain("Set a password and open your library");
    const set = await postForm(/\/reset-password\/[A-Za-z0-9_-]+/.exec(welcome.text)![0], { password: "a-long-enough-password" });
    expect(set.status, welcome.text).toBe(302);
    expect(await (await app("/library", { cookie: sessionCookie(set)! })).text()).toContain(String(t.name));
  });

  it("an existing account, a member, and a new address get the same answers and emails until the link is confirmed", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { pricing: "free", monthly: "", annual: "", maxSubscribers: "10" });
    const tierId = String(t.id);
    const owner = await makeUser(env);
    const member = await makeUser(env);
    expect((await postForm(`/tiers/${tierId}`, { intent: "subscribe" }, { cookie: await member.cookie() })).status).toBe(302);
    const fresh = newEmail();
    const shapes = [];
    for (const email of [owner.email, member.email, fresh]) {
      const res = await askByEmail(tierId, email);
      const mail = await mailTo(email, "guest-join:");
      shapes.push({
        status: res.status,
        cookies: res.headers.getSetCookie().length,
        body: (await res.text()).replaceAll(email, "EMAIL"),
        mail: [mail.subject, mail.text.replace(/\/tiers\/confirm\/[A-Za-z0-9_-]{43}/, "LINK")],
      });
    }
    expect(shapes[0]).toEqual(shapes[2]);
    expect(shapes[1]).toEqual(shapes[2]);
    expect(await userByEmail(fresh)).toBeNull();
    expect(await membership(owner.id, tierId)).toBeNull();

    // After proof: the existing account becomes a member (no second account, nobody signed in);
    // the member stays a member once; the existing account's welcome asks to sign in.
    const ownerDone = await postForm(await confirmLinkIn(owner.email), {});
    expect(sessionCookie(ownerDone)).toBeUndefined();
    expect(await membership(owner.id, tierId)).toMatchObject({ status: "active" });
    const memberDone = await postForm(await confirmLinkIn(member.email), {});
    expect(memberDone.status, await memberDone.clone().text()).toBe(200);
    expect(await liveCount(member.id, tierId)).toBe(1);
    const welcome = await mailTo(owner.email, "guest-joined:");
    expect(welcome.text).toContain("Sign in to your library");
    expect(welcome.text).not.toContain("/reset-password/");
  });

  it("a full tier offers its waitlist by email; confirming puts the email's account on it; paid tiers with room use Checkout", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const t = await makeTier(cookie, { pricing: "free", monthly: "", annual: "", maxSubscribers: "1" });
    const tierId = String(t.id);
    const first = await makeUser(env);
    expect((await postForm(`/tiers/${tierId}`, { intent: "subscribe" }, { cookie: await first.cookie() })).status).toBe(302);
    const page = await (await app(`/tiers/${tierId}`)).text();
    expect(page).toContain("Join the waitlist");
    expect(page).toContain('value="join-by-email"');
    const email = newEmail();
    const asked = await askByEmail(tierId, email);
    expect(await asked.text()).toContain("confirm your place on the waitlist");
    const done = await postForm(await confirmLinkIn(email), {});
    expect(await done.text()).toContain(`You&#x27;re on the waitlist of ${t.name} (number 1)`);
    const u = (await userByEmail(email))!;
    expect(await seats(env, tierId).status(u.id)).toMatchObject({ members: 1, waitlistPosition: 1 });
    expect(await membership(u.id, tierId)).toBeNull();

    const paid = String((await makeTier(cookie, { maxSubscribers: "5" })).id);
    expect((await askByEmail(paid, newEmail())).status).toBe(409);
  });

  it("a freed seat is offered by email (once, even when redelivered): the guest claims it from the link; a used or forged link says so", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { pricing: "free", monthly: "", annual: "", maxSubscribers: "1" });
    const tierId = String(t.id);
    const first = await makeUser(env);
    expect((await postForm(`/tiers/${tierId}`, { intent: "subscribe" }, { cookie: await first.cookie() })).status).toBe(302);
    const email = newEmail();
    await askByEmail(tierId, email);
    await postForm(await confirmLinkIn(email), {});
    const u = (await userByEmail(email))!;

    const m = (await env.DB.prepare("SELECT id FROM memberships WHERE user_id=? AND tier_id=?")
      .bind(first.id, tierId)
      .first<{ id: string }>())!;
    expect((await postForm("/library", { intent: "leave", membershipId: m.id }, { cookie: await first.cookie() })).status).toBeLessThan(
      400,
    );
    const st = await seats(env, tierId).status(u.id);
    expect(st.offerExpiresAt).toBeGreaterThan(Date.now() / 1000);
    const offer = await mailTo(email, "waitlist-offer:");
    expect(offer.subject).toContain(`A seat in ${t.name} is yours to take`);
    const link = /\/tiers\/[^/\s]+\/claim\/[^/\s]+\/[A-Za-z0-9_-]{43}/.exec(offer.text)![0];
    // Redelivering the offer's message sends nothing more.
    const holdId = link.split("/")[4];
    await env.EMAIL_QUEUE.send({
      type: "tx_email",
      kind: "waitlist_offer",
      key: `waitlist-offer:${tierId}:${holdId}`,
      ref: { tierId, holdId, userId: u.id, expiresAt: 0 },
    });
    await new Promise((r) => setTimeout(r, 1500));
    const sent = await env.DB.prepare("SELECT count(*) AS n FROM dev_mailbox WHERE to_address=? AND id LIKE 'waitlist-offer:%'")
      .bind(email)
      .first<{ n: number }>();
    expect(sent!.n).toBe(1);

    expect((await app(`${link.slice(0, -3)}abc`)).status).toBe(404);
    expect(await (await app(link)).text()).toContain("Take my seat");
    const claimed = await postForm(link, {});
    expect(claimed.status).toBe(200);
    expect(await claimed.text()).toContain(`You&#x27;re a member of ${t.name}`);
    expect(await membership(u.id, tierId)).not.toBeNull();
    const again = await postForm(link, {});
    expect(again.status).toBe(410);
    expect(await (await app(link)).text()).toContain("This offer has ended");
  });

  it("two links of one new address confirmed at once, and one link clicked twice at once: one account, one membership, one seat", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { pricing: "free", monthly: "", annual: "", maxSubscribers: "10" });
    const tierId = String(t.id);
    const email = newEmail();
    await askByEmail(tierId, email);
    await askByEmail(tierId, email);
    let links: string[] = [];
    for (let i = 0; i < 100 && links.length < 2; i++) {
      const rows = await env.DB.prepare("SELECT text FROM dev_mailbox WHERE to_address=? AND id LIKE 'guest-join:%'")
        .bind(email)
        .all<{ text: string }>();
      links = rows.results.map((m) => /\/tiers\/confirm\/[A-Za-z0-9_-]{43}/.exec(m.text)![0]);
      if (links.length < 2) await new Promise((r) => setTimeout(r, 150));
    }
    const res = await Promise.all([postForm(links[0], {}), postForm(links[1], {}), postForm(links[1], {})]);
    expect(res.map((r) => r.status).sort()).toEqual([200, 200, 404]);
    const users = await env.DB.prepare("SELECT id FROM users WHERE email=?").bind(email).all<{ id: string }>();
    expect(users.results).toHaveLength(1);
    expect(await liveCount(users.results[0].id, tierId)).toBe(1);
    expect(await seats(env, tierId).status()).toMatchObject({ members: 1, holds: 0 });
  });

  it("confirmation emails are rate-limited per address", async () => {
    const seller = await makeSeller(env);
    const t = await makeTier(await seller.cookie(), { pricing: "free", monthly: "", annual: "" });
    const email = newEmail();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await askByEmail(String(t.id), email)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
