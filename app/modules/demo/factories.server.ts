/**
 * Factories shared by the tests and the demo seed: they go through the real services, so
 * demo data obeys every rule real data does.
 */
import { newId } from "~/lib/ids";
import { createUser } from "~/modules/identity/service.server";
import { startSession, type Viewer } from "~/modules/identity/auth.server";
import { placeholderPng } from "~/modules/media/placeholder.server";
import { becomeCreator, setAvatar, updateProfile } from "~/modules/storefronts/service.server";
import { createPost, publishPost } from "~/modules/posts/service.server";
import { addScreenshot, createApp, setLogo } from "~/modules/apps/service.server";
import { usesEmulator } from "~/lib/stripe.server";
import { findPayoutAccount, refreshOnboarding, startOnboarding } from "~/modules/payments/connect.server";

export const DEMO_PASSWORD = "thrive-demo-2026";

/** A person with a verified email address unless `verified: false` (D61). */
export async function makeUser(env: Env, opts: { email?: string; password?: string; isAdmin?: boolean; verified?: boolean } = {}) {
  const email = opts.email ?? `user-${newId(8)}@example.test`;
  const password = opts.password ?? DEMO_PASSWORD;
  const user = await createUser(env, { email, password, isAdmin: opts.isAdmin, verified: opts.verified ?? true });
  const viewer: Viewer = { id: user.id, email: user.email, isAdmin: opts.isAdmin ?? false };
  return { ...user, password, viewer, cookie: async () => (await startSession(env, user.id)).split(";")[0] };
}

export type CreatorSpec = {
  handle?: string;
  displayName?: string;
  bio?: string;
  links?: Partial<Record<"website" | "x" | "github" | "linkedin" | "youtube", string>>;
  avatarColors?: [string, string];
  email?: string;
  password?: string;
};

export async function makeCreator(env: Env, spec: CreatorSpec = {}) {
  const user = await makeUser(env, { email: spec.email, password: spec.password });
  const handle = spec.handle ?? `maker-${newId(6)}`;
  const displayName = spec.displayName ?? `Maker ${handle}`;
  await becomeCreator(env, user.viewer, { handle, displayName });
  if (spec.bio || spec.links) await updateProfile(env, user.viewer, handle, { displayName, bio: spec.bio ?? "", ...spec.links });
  if (spec.avatarColors) {
    const png = await placeholderPng(160, 160, ...spec.avatarColors);
    await setAvatar(env, user.viewer, handle, new Blob([png]).stream());
  }
  return { ...user, handle, displayName };
}

export type PostSpec = {
  title?: string;
  slug?: string;
  body?: string;
  excerpt?: string;
  visibility?: "public" | "followers" | "paid" | "tiers" | "product";
  tierIds?: string[];
  productId?: string;
  appId?: string;
  /** Default "published". */
  status?: "draft" | "published";
};

/** A post by `creator` through the real services (publishing enqueues the real fan-out). */
export async function makePost(env: Env, creator: { viewer: Viewer }, spec: PostSpec = {}) {
  const title = spec.title ?? `Build log ${newId(5)}`;
  const { id, slug } = await createPost(env, creator.viewer, {
    title,
    slug: spec.slug,
    body: spec.body ?? "Hello from the build log.",
    excerpt: spec.excerpt,
    visibility: spec.visibility ?? "public",
    tierIds: spec.tierIds ?? [],
    productId: spec.productId,
    appId: spec.appId,
  });
  if ((spec.status ?? "published") === "published") await publishPost(env, creator.viewer, id);
  return { id, slug, title };
}

export type AppSpec = {
  name?: string;
  slug?: string;
  tagline?: string;
  description?: string;
  appUrl?: string;
  demoVideoUrl?: string;
  category?: string;
  techStack?: string[];
  status?: "beta" | "live" | "coming_soon";
  /** Gradient colours for a generated logo; omit for no logo. */
  logoColors?: [string, string];
  /** How many generated screenshots to upload (0–8). */
  screenshots?: number;
};

/** Registers an app through the real services (validation, R2 uploads, version bumps). */
export async function makeApp(env: Env, owner: { viewer: Viewer }, spec: AppSpec = {}) {
  const name = spec.name ?? `App ${newId(6)}`;
  const { slug, id } = await createApp(env, owner.viewer, {
    name,
    slug: spec.slug ?? "",
    tagline: spec.tagline ?? `${name} does one thing well.`,
    description: spec.description ?? `**${name}** is an AI app.`,
    appUrl: spec.appUrl ?? "https://example.com/app",
    demoVideoUrl: spec.demoVideoUrl ?? "",
    category: spec.category ?? "other",
    techStack: (spec.techStack ?? ["OpenAI"]).join(", "),
    status: spec.status ?? "live",
  });
  if (spec.logoColors) await setLogo(env, owner.viewer, slug, new Blob([await placeholderPng(128, 128, ...spec.logoColors)]).stream());
  const [from, to] = spec.logoColors ?? ["#6a3df5", "#d946ef"];
  for (let i = 0; i < (spec.screenshots ?? 0); i++) {
    await addScreenshot(env, owner.viewer, slug, new Blob([await placeholderPng(640, 360, i % 2 ? to : from, i % 2 ? from : to)]).stream());
  }
  return { id, slug, name };
}

/**
 * A creator who has finished Stripe onboarding in the LOCAL EMULATOR (tests and the demo seed):
 * creates the connected account through the real SDK, presses the emulator's "Complete onboarding"
 * via its control endpoint, then re-reads the account (the webhook would say the same).
 */
export async function makeSeller(env: Env, spec: CreatorSpec = {}) {
  const creator = await makeCreator(env, spec);
  await completeEmulatorOnboarding(env, creator.viewer);
  return creator;
}

export async function completeEmulatorOnboarding(env: Env, viewer: Viewer) {
  if (!usesEmulator(env)) throw new Error("completeEmulatorOnboarding only works against the local Stripe emulator");
  await startOnboarding(env, viewer, env.PUBLIC_URL);
  const acct = await findPayoutAccount(env, viewer.id);
  const base = `${env.STRIPE_API_PROTOCOL || "http"}://${env.STRIPE_API_HOST || "127.0.0.1"}:${env.STRIPE_API_PORT || 12111}`;
  const res = await fetch(`${base}/_emulator/accounts/${acct!.stripeAccountId}/complete_onboarding?wait=0`, { method: "POST" });
  if (!res.ok) throw new Error(`emulator onboarding failed: ${res.status}`);
  await refreshOnboarding(env, viewer);
  return acct!.stripeAccountId;
}
