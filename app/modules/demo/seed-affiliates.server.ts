/**
 * Demo affiliates (local emulator only): Maya runs a program on her starter kit and tiers;
 * promptsmith (onboarded, so payable) is her affiliate, and two demo members buy the kit through
 * promptsmith's link — their orders (and so the commissions) arrive by webhook like real ones.
 * Maya also referred promptsmith to the platform, so her dashboard shows a referral.
 */
import { nowSeconds } from "~/lib/ids";
import { usesEmulator } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { joinProgram, recordReferral, referralCodeFor, saveProgram } from "~/modules/affiliates/service.server";
import { startProductCheckout } from "~/modules/payments/checkout.server";
import { makeUser, DEMO_PASSWORD } from "./factories.server";
import { pay } from "./seed-payments.server";

export async function seedAffiliates(env: Env, creators: Record<string, Viewer>) {
  if (!usesEmulator(env)) return;
  const maya = creators["maya-builds"];
  const dev = creators["promptsmith"];
  if (!maya || !dev) return;
  const kit = await env.DB.prepare("SELECT id FROM products WHERE slug='booking-bot-kit'").first<{ id: string }>();
  const tiers = await env.DB.prepare("SELECT id FROM tiers WHERE creator_id=? AND pricing != 'free' AND status='active'")
    .bind(maya.id)
    .all<{ id: string }>();
  if (!kit) return;
  await saveProgram(env, maya, {
    commissionPercent: "20",
    cookieDays: "30",
    recurringMonths: "3",
    items: [`product:${kit.id}`, ...tiers.results.map((t) => `tier:${t.id}`)],
  });
  const { code } = await joinProgram(env, dev, "maya-builds");
  const affiliate = await env.DB.prepare("SELECT id FROM affiliates WHERE code=?").bind(code).first<{ id: string }>();
  await env.DB.prepare("UPDATE affiliates SET clicks = 14 WHERE id=?").bind(affiliate!.id).run();
  for (let i = 1; i <= 2; i++) {
    const buyer = await makeUser(env, { email: `fan${i}@demo.allthrive.app`, password: DEMO_PASSWORD });
    // The buyer came through promptsmith's link (what the ?via= redirect records for a signed-in visitor).
    await env.DB.prepare("INSERT INTO affiliate_attributions (user_id, creator_id, affiliate_id, clicked_at) VALUES (?, ?, ?, ?)")
      .bind(buyer.id, maya.id, affiliate!.id, nowSeconds() - i * 3600)
      .run();
    await pay(env, (await startProductCheckout(env, buyer.viewer, kit.id, env.PUBLIC_URL)).url);
  }
  await recordReferral(env, dev.id, await referralCodeFor(env, maya.id));
}
