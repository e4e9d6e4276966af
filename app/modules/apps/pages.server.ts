import type { Viewer } from "~/modules/identity/auth.server";
import { mediaUrl } from "~/modules/media/service.server";
import { findCreatorByUserId } from "~/modules/storefronts/queries.server";
import { listCategories, screenshotsOf, type MovedApp } from "./queries.server";
import { requireOwnedApp } from "./service.server";

export async function getNewAppPage(env: Env, viewer: Viewer) {
  const [categories, creator] = await Promise.all([listCategories(env), findCreatorByUserId(env, viewer.id)]);
  return { categories: categories.map((c) => ({ slug: c.slug, name: c.name })), isCreator: !!creator };
}

/** Data for /apps/:slug/edit (owner or admin only — 403 otherwise); `{ movedTo }` for an old slug. */
export async function getEditAppPage(env: Env, viewer: Viewer, slug: string) {
  const app = await requireOwnedApp(env, viewer, slug);
  if (app.slug !== slug.toLowerCase()) return { movedTo: app.slug } as MovedApp;
  const [categories, shots] = await Promise.all([listCategories(env), screenshotsOf(env, app.id)]);
  return {
    categories: categories.map((c) => ({ slug: c.slug, name: c.name })),
    app: {
      slug: app.slug,
      published: app.published,
      featured: app.featured,
      logoUrl: mediaUrl(app.logoKey),
      values: {
        name: app.name,
        slug: app.slug,
        tagline: app.tagline,
        description: app.descriptionMarkdown,
        appUrl: app.appUrl,
        demoVideoUrl: app.demoVideoUrl ?? "",
        category: app.categorySlug,
        techStack: (app.techStack ?? []).join(", "),
        status: app.status,
      },
    },
    screenshots: shots.map((s) => ({ id: s.id, url: mediaUrl(s.key)! })),
    isAdmin: viewer.isAdmin,
  };
}
