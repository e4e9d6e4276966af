import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { deliver, emulator } from "~/test/stripe";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { findPayoutAccount, onboardingState } from "./connect.server";

describe("Stripe Connect onboarding", () => {
  it("walks not_started → pending → enabled, driven by account.updated", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    expect(onboardingState(await findPayoutAccount(env, c.id))).toBe("not_started");
    const dash = await (await app("/dashboard", { cookie })).text();
    expect(dash).toContain("Set up payouts");

    const start = await postForm("/dashboard/payouts", { intent: "start" }, { cookie });
    expect(start.status).toBe(302);
    const link = start.headers.get("Location")!;
    expect(link).toContain("/connect/onboarding/");
    const acct = await findPayoutAccount(env, c.id);
    expect(onboardingState(acct)).toBe("pending");

    // Links are single-use: a second click creates a new link for the SAME account.
    const again = await postForm("/dashboard/payouts", { intent: "start" }, { cookie });
    expect(again.headers.get("Location")).not.toBe(link);
    expect((await findPayoutAccount(env, c.id))!.stripeAccountId).toBe(acct!.stripeAccountId);

    // "Complete onboarding" on the hosted page; the webhook flips the flags.
    await emulator(`/_emulator/accounts/${acct!.stripeAccountId}/complete_onboarding`, {});
    const events = await deliver(acct!.stripeAccountId);
    expect(events.map((e) => e.event.type)).toContain("account.updated");
    expect(onboardingState(await findPayoutAccount(env, c.id))).toBe("enabled");
    expect(await (await app("/dashboard", { cookie })).text()).toContain("Payouts are on");
  });

  it("the return page re-reads the account, and a refresh_url visit gets a fresh link", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const start = await postForm("/dashboard/payouts", { intent: "start" }, { cookie });
    const acct = await findPayoutAccount(env, c.id);
    const back = await app("/dashboard/payouts/return", { cookie });
    expect(back.status).toBe(302);
    expect(back.headers.get("Location")).toContain("/dashboard?payouts=pending");
    const refresh = await app("/dashboard/payouts/refresh", { cookie });
    expect(refresh.status).toBe(302);
    expect(refresh.headers.get("Location")).toContain("/connect/onboarding/");
    expect(refresh.headers.get("Location")).not.toBe(start.headers.get("Location"));
    await emulator(`/_emulator/accounts/${acct!.stripeAccountId}/complete_onboarding?wait=0`, {});
    const done = await app("/dashboard/payouts/return", { cookie });
    expect(done.headers.get("Location")).toContain("/dashboard?payouts=enabled");
  });

  it("people without a storefront can't start onboarding", async () => {
    const u = await makeUser(env);
    const res = await postForm("/dashboard/payouts", { intent: "start" }, { cookie: await u.cookie() });
    expect(res.status).toBe(403);
  });
});
