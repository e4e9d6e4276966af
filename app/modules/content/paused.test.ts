import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { payingMember } from "~/test/money";
import { deliver, emulator } from "~/test/stripe";

const invoicePi = (sub: string) =>
  env.DB.prepare("SELECT payment_intent_id AS pi FROM invoices WHERE stripe_subscription_id=?").bind(sub).first<{ pi: string }>();

/** What a member reads on their tier's page and in /library. */
async function seen(tierId: string, cookie: string) {
  const tier = await (await app(`/tiers/${tierId}`, { cookie })).text();
  const library = await (await app("/library", { cookie })).text();
  return {
    tierSays: tier.includes("Your membership is paused") ? "paused" : tier.includes("manage in your library") ? "member" : "neither",
    libraryPaused: library.includes("paused — payment disputed"),
  };
}

describe("a disputed payment pauses only its own membership", () => {
  it("two members of two tiers: only the disputed one reads paused; the other still reads 'You're a member'", async () => {
    const a = await payingMember();
    const b = await payingMember();
    expect(await seen(a.tierId, a.cookie)).toEqual({ tierSays: "member", libraryPaused: false });
    expect(await seen(b.tierId, b.cookie)).toEqual({ tierSays: "member", libraryPaused: false });

    const { pi } = (await invoicePi(a.sub))!;
    await emulator(`/_emulator/charges/${pi}/dispute`, { reason: "subscription_canceled" });
    await deliver(pi);

    expect(await seen(a.tierId, a.cookie)).toEqual({ tierSays: "paused", libraryPaused: true });
    expect(await seen(b.tierId, b.cookie)).toEqual({ tierSays: "member", libraryPaused: false });
    // The creator of the undisputed tier sees an active member, not a paused one.
    const dash = await (await app("/dashboard", { cookie: await b.seller.cookie() })).text();
    expect(dash).not.toContain("paused — payment disputed");
  });
});
