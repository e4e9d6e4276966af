/**
 * Demo money data (local emulator only): onboarded creators with products, files, a course, tiers
 * (one capped and nearly full) and demo buyers whose purchases and subscriptions go through real
 * Checkout Sessions paid in the emulator — so orders and memberships arrive by webhook like real ones.
 */
import { usesEmulator } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { startProductCheckout, startTierCheckout } from "~/modules/payments/checkout.server";
import { addLesson, addProductFile, createProduct, setProductCover, setProductStatus } from "~/modules/products/service.server";
import { placeholderPng } from "~/modules/media/placeholder.server";
import { saveTier } from "~/modules/tiers/service.server";
import { completeEmulatorOnboarding, DEMO_PASSWORD, makeUser } from "./factories.server";

const enc = new TextEncoder();
export const pdf = (title: string) =>
  enc.encode(
    `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% ${title}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
  );

export async function file(env: Env, viewer: Viewer, productId: string, name: string, bytes: Uint8Array) {
  await addProductFile(env, viewer, productId, name, new Blob([bytes as BlobPart]).stream(), bytes.byteLength);
}

function emulatorBase(env: Env) {
  return `${env.STRIPE_API_PROTOCOL || "http"}://${env.STRIPE_API_HOST || "127.0.0.1"}:${env.STRIPE_API_PORT || 12111}`;
}

/** "Pays" a checkout in the emulator; the webhook then creates the order/membership. */
export async function pay(env: Env, checkoutUrl: string) {
  const id = checkoutUrl.split("/checkout/pay/")[1];
  const res = await fetch(`${emulatorBase(env)}/_emulator/checkout/${id}/pay?wait=0`, { method: "POST" });
  if (!res.ok) throw new Error(`emulator pay failed: ${res.status} ${await res.text()}`);
}

export async function seedPayments(env: Env, creators: Record<string, Viewer>): Promise<{ ok: boolean; reason?: string }> {
  if (!usesEmulator(env)) return { ok: false, reason: "real Stripe key configured: not creating demo payments" };
  try {
    await fetch(`${emulatorBase(env)}/health`);
  } catch {
    return { ok: false, reason: "Stripe emulator not reachable" };
  }
  const origin = env.PUBLIC_URL;
  const maya = creators["maya-builds"];
  const dev = creators["promptsmith"];
  await completeEmulatorOnboarding(env, maya);
  await completeEmulatorOnboarding(env, dev);

  // Maya: a template and a prompt pack, a free tier, a capped tier (nearly full) and a PWYW tier.
  const kit = await createProduct(env, maya, {
    type: "template",
    title: "Booking-bot starter kit",
    slug: "booking-bot-kit",
    price: "29",
    currency: "usd",
    description:
      "Everything I use to ship **AI booking assistants** for salons and clinics:\n\n- n8n + OpenAI workflow template\n- Prompt set with guardrails\n- A 12-page setup guide (PDF)",
  });
  await file(env, maya, kit.id, "setup-guide.pdf", pdf("Booking-bot setup guide"));
  await file(
    env,
    maya,
    kit.id,
    "workflow.json",
    enc.encode(JSON.stringify({ name: "booking-bot", nodes: [{ type: "webhook" }, { type: "openai" }, { type: "calendar" }] }, null, 2)),
  );
  await setProductCover(env, maya, kit.id, new Blob([(await placeholderPng(640, 360, "#0ea5e9", "#6366f1")) as BlobPart]).stream());
  await setProductStatus(env, maya, kit.id, "published");
  const pack = await createProduct(env, maya, {
    type: "prompt_pack",
    title: "Support triage prompts",
    slug: "support-triage-prompts",
    price: "12.50",
    currency: "usd",
    description: "40 prompts that classify, summarise and route support tickets. Tested on 2,000 real tickets.",
  });
  await file(env, maya, pack.id, "prompts.md", enc.encode("# Support triage prompts\n\n1. Classify the ticket…\n"));
  await setProductStatus(env, maya, pack.id, "published");
  await saveTier(env, maya, null, {
    name: "Followers",
    pricing: "free",
    currency: "usd",
    description: "Build logs in your inbox.",
    benefits: "Weekly build log\nCommunity Q&A thread",
  });
  const inner = await saveTier(env, maya, null, {
    name: "Inner circle",
    pricing: "fixed",
    currency: "usd",
    monthly: "15",
    annual: "150",
    maxSubscribers: "10",
    description: "Small group, real feedback on what you're building.",
    benefits: "Monthly group call\nPrivate Discord\nCode reviews of your bots",
  });
  await saveTier(env, maya, null, {
    name: "Supporter",
    pricing: "pwyw",
    currency: "usd",
    minimum: "3",
    description: "Chip in what you like.",
    benefits: "Name in the credits\nEarly access to templates",
  });

  // Dev: a course with lessons and a monthly tier.
  const course = await createProduct(env, dev, {
    type: "course",
    title: "Evals for non-engineers",
    slug: "evals-course",
    price: "49",
    currency: "usd",
    description: "Learn to measure whether your prompts actually work — no code required.",
  });
  for (const [title, body] of [
    ["Why evals beat vibes", "Prompts drift. **Evals** tell you when. In this lesson…"],
    ["Building a golden set", "Collect 30 real examples and write the answer you want for each…"],
    ["Scoring with rubrics", "A rubric turns taste into numbers. Start with three criteria…"],
    ["Running evals weekly", "Put it on a schedule and watch the trend line…"],
  ])
    await addLesson(env, dev, course.id, { title, body });
  await file(
    env,
    dev,
    course.id,
    "rubric-template.csv",
    enc.encode("criterion,weight,description\naccuracy,0.5,Is it right?\ntone,0.2,Does it sound like us?\nformat,0.3,Is it usable?\n"),
  );
  await setProductStatus(env, dev, course.id, "published");
  await saveTier(env, dev, null, {
    name: "Prompt lab",
    pricing: "fixed",
    currency: "usd",
    monthly: "9",
    description: "A new tested prompt pack every month.",
    benefits: "Monthly prompt pack\nOffice hours",
  });

  // Lena hasn't set up payouts: her product shows as "coming soon".
  const lena = creators["lena-voice"];
  if (lena) {
    const voice = await createProduct(env, lena, {
      type: "ebook",
      title: "Speech apps for language learners",
      slug: "speech-apps-ebook",
      price: "15",
      currency: "eur",
      description: "How I build pronunciation coaches with open models.",
    });
    await file(env, lena, voice.id, "speech-apps.pdf", pdf("Speech apps"));
    await setProductStatus(env, lena, voice.id, "published");
  }

  // Buyers: nine members fill the capped tier to 9 of 10; the visitor buys the kit and joins too.
  const buyers: Viewer[] = [];
  for (let i = 1; i <= 9; i++)
    buyers.push((await makeUser(env, { email: `member${i}@demo.allthrive.app`, password: DEMO_PASSWORD })).viewer);
  for (const b of buyers) await pay(env, (await startTierCheckout(env, b, inner.id, { interval: "month" }, origin)).url);
  return { ok: true };
}

export async function seedVisitorPurchases(env: Env, visitor: Viewer) {
  if (!usesEmulator(env)) return;
  const kit = await env.DB.prepare("SELECT id FROM products WHERE slug='booking-bot-kit'").first<{ id: string }>();
  const lab = await env.DB.prepare("SELECT id FROM tiers WHERE name='Prompt lab'").first<{ id: string }>();
  if (kit) await pay(env, (await startProductCheckout(env, visitor, kit.id, env.PUBLIC_URL)).url);
  if (lab) await pay(env, (await startTierCheckout(env, visitor, lab.id, { interval: "month" }, env.PUBLIC_URL)).url);
}
