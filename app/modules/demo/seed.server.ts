import { count } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { users } from "~/modules/identity/schema";
import type { Viewer } from "~/modules/identity/auth.server";
import { DEMO_PASSWORD, makeCreator, makeUser, type CreatorSpec } from "./factories.server";
import { seedPosts } from "./seed-posts.server";
import { seedPayments, seedVisitorPurchases } from "./seed-payments.server";
import { seedAffiliates } from "./seed-affiliates.server";
import { seedServices } from "./seed-services.server";
import { seedDemoApps } from "./seed-apps.server";
import { seedCommunity } from "./seed-community.server";
import { seedAnalytics } from "./seed-analytics.server";

export const DEMO_CREATORS: (CreatorSpec & { email: string })[] = [
  {
    email: "maya@demo.allthrive.app",
    handle: "maya-builds",
    displayName: "Maya Chen",
    bio: "I build **AI agents for small businesses** — booking, support and bookkeeping bots that actually ship.\n\nFormer backend engineer at a fintech; now building in public. Weekly build logs below.",
    links: { website: "https://maya.example.com", x: "https://x.com/mayabuilds", github: "https://github.com/mayabuilds" },
    avatarColors: ["#0ea5e9", "#6366f1"],
  },
  {
    email: "dev@demo.allthrive.app",
    handle: "promptsmith",
    displayName: "Dev Patel",
    bio: "Prompt engineer and educator. I've taught 4,000+ people to get reliable output from LLMs.\n\n- Prompt packs for support, sales and research\n- A course on evals for non-engineers",
    links: { youtube: "https://youtube.com/@promptsmith", linkedin: "https://linkedin.com/in/promptsmith" },
    avatarColors: ["#f59e0b", "#ef4444"],
  },
  {
    email: "lena@demo.allthrive.app",
    handle: "lena-voice",
    displayName: "Lena Okafor",
    bio: "Voice AI tinkerer. I make speech apps for language learners and open-source my pipelines.",
    links: { github: "https://github.com/lenavoice", website: "https://lena.example.org" },
    avatarColors: ["#10b981", "#14b8a6"],
  },
  {
    email: "sam@demo.allthrive.app",
    handle: "sam-automates",
    displayName: "Sam Rivera",
    bio: "Automation consultant. I wire LLMs into the tools teams already use — Sheets, Notion, Slack. Book a session if you're stuck.",
    links: { x: "https://x.com/samautomates" },
    avatarColors: ["#8b5cf6", "#ec4899"],
  },
  {
    email: "ade@demo.allthrive.app",
    handle: "data-ade",
    displayName: "Adebayo Cole",
    bio: "Data scientist building research assistants that cite their sources. Writing about RAG that doesn't hallucinate.",
    avatarColors: ["#64748b", "#0f172a"],
  },
];

export const DEMO_MEMBERS = [{ email: "visitor@demo.allthrive.app" }];
export const DEMO_ADMIN = { email: "admin@demo.allthrive.app" };

/** Seeds demo data once: does nothing when any user already exists. */
export async function seedDemo(env: Env): Promise<{ seeded: boolean; users: number }> {
  const db = getDb(env);
  const [{ n }] = await db.select({ n: count() }).from(users);
  if (n > 0) return { seeded: false, users: n };
  const made: Record<string, Viewer> = {};
  const demoCreators = [];
  for (const spec of DEMO_CREATORS) {
    const c = await makeCreator(env, { ...spec, password: DEMO_PASSWORD });
    demoCreators.push(c);
    made[spec.handle!] = c.viewer;
  }
  const members = [];
  for (const m of DEMO_MEMBERS) members.push(await makeUser(env, { email: m.email, password: DEMO_PASSWORD }));
  // Payments demo (local Stripe emulator only): onboarded sellers, products, tiers, buyers.
  const money = await seedPayments(env, made);
  if (money.ok) await seedVisitorPurchases(env, members[0].viewer);
  if (money.ok) await seedServices(env, made["maya-builds"], members[0].viewer);
  if (money.ok) await seedAffiliates(env, made);
  else console.warn(`Demo payments skipped: ${money.reason}`);
  const admin = await makeUser(env, { email: DEMO_ADMIN.email, password: DEMO_PASSWORD, isAdmin: true });
  await seedDemoApps(env, demoCreators, [...members, admin]);
  // Posts: the visitor follows everyone, so feeds, bells and the dev mailbox fill up.
  await seedPosts(env, made, members[0].viewer);
  await seedCommunity(env, made, members[0].viewer);
  // Analytics: 120 days of traffic, follows, sales and member churn for the demo creators.
  await seedAnalytics(
    env,
    demoCreators.map((c) => ({ id: c.id, handle: c.handle })),
  );
  const [{ n: total }] = await db.select({ n: count() }).from(users);
  return { seeded: true, users: total };
}
