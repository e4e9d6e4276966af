import type { Viewer } from "~/modules/identity/auth.server";
import { setFeatured } from "~/modules/apps/service.server";
import { followCreator } from "~/modules/follows/service.server";
import { makeApp, type AppSpec } from "./factories.server";

/** Demo apps per demo creator handle (generated logos and screenshots). */
export const DEMO_APPS: Record<string, AppSpec[]> = {
  "maya-builds": [
    {
      name: "BookBot",
      tagline: "An AI receptionist that books, moves and confirms appointments over chat.",
      category: "agent",
      techStack: ["Claude", "TypeScript", "Cloudflare Workers"],
      status: "live",
      logoColors: ["#0ea5e9", "#6366f1"],
      screenshots: 3,
      demoVideoUrl: "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
      description:
        "BookBot answers your customers on **WhatsApp and your website**, finds a free slot and books it.\n\n- Syncs with Google Calendar\n- Sends reminders\n- Hands over to a human when unsure",
    },
    {
      name: "Ledger Buddy",
      tagline: "Categorises receipts and drafts your monthly books.",
      category: "automation",
      techStack: ["OpenAI", "Python", "Postgres"],
      status: "beta",
      logoColors: ["#22c55e", "#0ea5e9"],
      screenshots: 2,
    },
  ],
  promptsmith: [
    {
      name: "Prompt Lab",
      tagline: "Test prompts against real cases and see which one wins.",
      category: "productivity",
      techStack: ["OpenAI", "Claude", "React"],
      status: "live",
      logoColors: ["#f59e0b", "#ef4444"],
      screenshots: 3,
      description: "Evals for people who aren't engineers: paste cases, compare prompts side by side, share the winner.",
    },
    {
      name: "Support Reply Pack",
      tagline: "Tone-perfect replies for support teams, ready for any LLM.",
      category: "content",
      techStack: ["Claude"],
      status: "live",
      logoColors: ["#fb7185", "#f59e0b"],
      screenshots: 1,
    },
  ],
  "lena-voice": [
    {
      name: "Parla",
      tagline: "Speak a new language with a patient AI tutor.",
      category: "voice",
      techStack: ["Whisper", "ElevenLabs", "Python"],
      status: "beta",
      logoColors: ["#10b981", "#14b8a6"],
      screenshots: 3,
      demoVideoUrl: "https://vimeo.com/76979871",
    },
    {
      name: "Transcribe Kit",
      tagline: "Open-source pipeline for clean, diarised transcripts.",
      category: "voice",
      techStack: ["Whisper", "Python"],
      status: "live",
      logoColors: ["#14b8a6", "#0f766e"],
      screenshots: 2,
    },
  ],
  "sam-automates": [
    {
      name: "Sheet Whisperer",
      tagline: "Ask your Google Sheets questions in plain English.",
      category: "data",
      techStack: ["OpenAI", "Apps Script"],
      status: "live",
      logoColors: ["#8b5cf6", "#ec4899"],
      screenshots: 2,
    },
    {
      name: "Slack Standup Agent",
      tagline: "Collects standups and writes the summary for you.",
      category: "agent",
      techStack: ["Claude", "Slack API"],
      status: "coming_soon",
      logoColors: ["#a855f7", "#6366f1"],
      screenshots: 0,
    },
  ],
  "data-ade": [
    {
      name: "CiteCheck",
      tagline: "A research assistant that only answers with sources.",
      category: "research",
      techStack: ["Claude", "LlamaIndex", "Pinecone"],
      status: "live",
      logoColors: ["#64748b", "#0f172a"],
      screenshots: 3,
    },
  ],
};

/** Apps for every demo creator, one featured pick, and follows between demo users. */
export async function seedDemoApps(env: Env, creators: { handle: string; viewer: Viewer }[], others: { viewer: Viewer }[]) {
  for (const c of creators) for (const spec of DEMO_APPS[c.handle] ?? []) await makeApp(env, c, spec);
  const admin = others.find((o) => o.viewer.isAdmin);
  if (admin) await setFeatured(env, admin.viewer, "bookbot", true).catch(() => {});
  // Everyone follows Maya; creators follow the next creator round the circle; the visitor follows two.
  for (const [i, c] of creators.entries()) {
    const next = creators[(i + 1) % creators.length];
    await followCreator(env, c.viewer, next.handle);
    if (c.handle !== "maya-builds") await followCreator(env, c.viewer, "maya-builds").catch(() => {});
  }
  for (const o of others.filter((x) => !x.viewer.isAdmin))
    for (const c of creators.slice(0, 2)) await followCreator(env, o.viewer, c.handle);
}
