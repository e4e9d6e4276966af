/**
 * Feed activities for apps (the apps registry calls these): a new app, and a status change
 * (beta → live…). They fan out like posts but without notifications or email.
 */
import { eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { activities } from "./schema";
import { publishActivity, retractActivity } from "./service.server";

type AppLike = { id: string; creatorId: string; slug: string; name: string; tagline?: string | null; status: string };

const STATUS_LABEL: Record<string, string> = { beta: "in beta", live: "live", coming_soon: "coming soon" };

/** A new app in its maker's followers' feeds; `at` keeps an earlier launch time (an app an admin unhid). */
export async function onAppPublished(env: Env, app: AppLike, creatorName: string, at = nowSeconds()) {
  await publishActivity(
    env,
    {
      id: `app:${app.id}`,
      creatorId: app.creatorId,
      kind: "app_new",
      subjectId: app.id,
      title: `${creatorName} launched ${app.name}`,
      summary: app.tagline ?? "",
      url: `/apps/${app.slug}`,
      publishedAt: at,
    },
    { notify: false },
  );
}

export async function onAppStatusChanged(env: Env, app: AppLike, from: string) {
  if (from === app.status) return;
  const at = nowSeconds();
  await publishActivity(
    env,
    {
      id: `appstatus:${app.id}:${at}`,
      creatorId: app.creatorId,
      kind: "app_status",
      subjectId: app.id,
      title: `${app.name} is now ${STATUS_LABEL[app.status] ?? app.status}`,
      summary: app.tagline ?? "",
      url: `/apps/${app.slug}`,
      publishedAt: at,
    },
    { notify: false },
  );
}

/** App unpublished or deleted: its activities leave every feed. */
export async function onAppRemoved(env: Env, appId: string) {
  const rows = await getDb(env).select({ id: activities.id }).from(activities).where(eq(activities.subjectId, appId));
  for (const r of rows) await retractActivity(env, r.id);
}
