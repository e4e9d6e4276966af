/**
 * Development-only bulk data for benchmarks (`npm run bench`): thousands of rows inserted in bounded
 * batches (≤100 bound parameters per statement, a few dozen statements per D1 batch). Called only by
 * POST /dev/bench-seed, which refuses to run unless APP_ENV=development.
 */
import { newId, nowSeconds } from "~/lib/ids";
import { getDb } from "~/lib/db.server";
import { startSessions } from "~/modules/identity/auth.server";
import { users } from "~/modules/identity/schema";
import { apps } from "~/modules/apps/schema";
import { creators } from "~/modules/storefronts/schema";
import { SIGNAL_WEIGHTS, trendingIncrement } from "~/lib/trending";
import { creatorGraph } from "~/modules/follows/service.server";

const ADJ = [
  "Swift",
  "Clever",
  "Quiet",
  "Bright",
  "Lucid",
  "Nimble",
  "Steady",
  "Bold",
  "Tiny",
  "Deep",
  "Open",
  "Smart",
  "Calm",
  "Rapid",
  "Kind",
  "Sharp",
  "Fresh",
  "Prime",
  "Neat",
  "True",
];
const NOUN = [
  "Scribe",
  "Tutor",
  "Pilot",
  "Agent",
  "Lens",
  "Forge",
  "Atlas",
  "Echo",
  "Muse",
  "Ledger",
  "Sketch",
  "Radar",
  "Coach",
  "Butler",
  "Compass",
  "Harbor",
  "Relay",
  "Canvas",
  "Oracle",
  "Sentry",
  "Weaver",
  "Beacon",
  "Parrot",
  "Quill",
  "Sprout",
];
const DOES = [
  "summarises meetings",
  "drafts replies to customer emails",
  "turns spreadsheets into charts",
  "answers questions about your docs",
  "writes unit tests",
  "transcribes voice notes",
  "plans study sessions",
  "tags support tickets",
  "designs social posts",
  "researches competitors",
  "books appointments",
  "reviews pull requests",
  "translates podcasts",
  "cleans CSV files",
  "generates product photos",
];
const TECH = [
  "OpenAI",
  "Claude",
  "Gemini",
  "Llama",
  "Mistral",
  "Python",
  "TypeScript",
  "React",
  "Next.js",
  "LangChain",
  "LlamaIndex",
  "Whisper",
  "Pinecone",
  "Postgres",
  "Supabase",
  "Cloudflare Workers",
  "FastAPI",
  "Stable Diffusion",
  "ElevenLabs",
  "Zapier",
];
const CATS = ["chatbot", "agent", "automation", "content", "coding", "data", "design", "productivity", "research", "voice", "other"];
const STATUSES = ["live", "live", "live", "beta", "coming_soon"] as const;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Inserts `count` users (no usable password) and returns their ids. */
export async function bulkUsers(env: Env, count: number, prefix: string): Promise<string[]> {
  const db = getDb(env);
  const now = nowSeconds();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId(),
    email: `${prefix}-${i}-${newId(6)}@bench.test`,
    passwordHash: "disabled",
    isAdmin: false,
    createdAt: now,
  }));
  const stmts = [];
  for (let i = 0; i < rows.length; i += 20) stmts.push(db.insert(users).values(rows.slice(i, i + 20)));
  for (let i = 0; i < stmts.length; i += 50) {
    const chunk = stmts.slice(i, i + 50);
    await db.batch(chunk as [(typeof chunk)[number], ...(typeof chunk)[number][]]);
  }
  return rows.map((r) => r.id);
}

export async function bulkSessions(env: Env, userIds: string[]): Promise<string[]> {
  return startSessions(env, userIds);
}

/** `count` followers for one creator, recorded through the creator's Durable Object. */
export async function bulkFollowers(env: Env, creatorId: string, count: number) {
  const ids = await bulkUsers(env, count, "fan");
  const graph = creatorGraph(env, creatorId);
  let last = { count: 0, added: 0 };
  for (let i = 0; i < ids.length; i += 250) last = await graph.followMany(creatorId, ids.slice(i, i + 250));
  while ((await graph.flush()) > 0);
  return { count: last.count };
}

/** Creates `creatorsCount` creators and `count` apps spread across them, with varied searchable text. */
export async function bulkApps(env: Env, count: number, seed: number, creatorsCount = 20) {
  const db = getDb(env);
  const now = nowSeconds();
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const userIds = await bulkUsers(env, creatorsCount, "maker");
  const creatorRows = userIds.map((id, i) => ({
    userId: id,
    handle: `bench-${seed}-${i}`,
    displayName: `${pick(ADJ)} ${pick(NOUN)} Labs`,
    createdAt: now,
    updatedAt: now,
  }));
  const cstmts = [];
  for (let i = 0; i < creatorRows.length; i += 10) cstmts.push(db.insert(creators).values(creatorRows.slice(i, i + 10)));
  await db.batch(cstmts as [(typeof cstmts)[number], ...(typeof cstmts)[number][]]);
  const rows = Array.from({ length: count }, (_, i) => {
    const name = `${pick(ADJ)} ${pick(NOUN)}`;
    const at = now - Math.floor(random() * 30 * 86400);
    const tech = Array.from(new Set([pick(TECH), pick(TECH), pick(TECH)]));
    return {
      id: newId(),
      creatorId: userIds[i % userIds.length],
      slug: `${name.toLowerCase().replace(/\s+/g, "-")}-${seed}-${i}`,
      name,
      tagline: `${name} ${pick(DOES)}.`,
      descriptionMarkdown: `${name} ${pick(DOES)} and ${pick(DOES)}. Built with ${tech.join(", ")} for small teams.`,
      appUrl: "https://example.com/app",
      categorySlug: pick(CATS),
      techStack: tech,
      status: pick(STATUSES),
      trendingScore: trendingIncrement(SIGNAL_WEIGHTS.publish + Math.floor(random() * 50), at),
      createdAt: at,
      updatedAt: at,
      publishedAt: at,
    };
  });
  // ≤21 parameters per row (Drizzle binds defaults too) → 4 rows per statement (≤100 bound
  // parameters), 50 statements per batch.
  const stmts = [];
  for (let i = 0; i < rows.length; i += 4) stmts.push(db.insert(apps).values(rows.slice(i, i + 4)));
  for (let i = 0; i < stmts.length; i += 50) {
    const chunk = stmts.slice(i, i + 50);
    await db.batch(chunk as [(typeof chunk)[number], ...(typeof chunk)[number][]]);
  }
  return { apps: rows.length, creators: creatorRows.length };
}
