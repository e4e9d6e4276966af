/**
 * Reports and the admin's moderation queue (decision 75). Anyone signed in and verified may report
 * a comment, feedback item, post, app or profile once; admins dismiss, hide the content (any of
 * them; posts, apps and profiles through a hold, decision 121) or suspend its author (decision 67's suspension), and every action is logged.
 */
import { conflict, notFound, unprocessable } from "~/lib/errors";
import { markdownExcerpt } from "~/lib/markdown.server";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import { recordAdminAction, requireAdmin, suspendUser } from "~/modules/admin/service.server";
import type { Viewer } from "~/modules/identity/auth.server";
import {
  findAppForFeed,
  findAppForThread,
  findComment,
  findFeedback,
  findPostForThread,
  findProfileUser,
  findReport,
  listHolds,
  releaseHold,
  writeHold,
  insertReport,
  listOpenReports,
  publicNames,
  resolveReports,
  setCommentHidden,
  setFeedbackHidden,
} from "./queries.server";
import { findHold } from "~/modules/standing/queries.server";
import { HOLD_TARGETS, type HoldTarget, type ReportTarget } from "./schema";
import { forgetVersions } from "~/modules/discovery/edge-pages.server";
import { retractActivity } from "~/modules/feed/service.server";
import { onAppPublished, onAppRemoved } from "~/modules/feed/app-activity.server";
import { restorePostActivity } from "~/modules/posts/service.server";
import { requireCommunityActor, resolveThread, spendRateLimit } from "./service.server";
import { ReportInput } from "./validation";

type Target = { authorId: string | null; label: string; excerpt: string; link: string | null };

/** What a report points at, or null when it no longer exists. Reads nothing gated into the queue beyond a short excerpt for admins. */
async function describe(env: Env, type: ReportTarget, id: string): Promise<Target | null> {
  switch (type) {
    case "comment": {
      const c = await findComment(env, id);
      if (!c) return null;
      const t = await resolveThread(env, null, { type: c.targetType, id: c.targetId }).catch(() => null);
      return {
        authorId: c.authorId,
        label: `comment on ${t?.title ?? c.targetType}`,
        excerpt: c.deletedAt ? "(deleted by its author)" : markdownExcerpt(c.bodyMarkdown, 280),
        link: t ? `${t.path}#comment-${c.id}` : null,
      };
    }
    case "feedback": {
      const f = await findFeedback(env, id);
      if (!f) return null;
      const app = await findAppForThread(env, { id: f.appId });
      return {
        authorId: f.authorId,
        label: `feedback “${f.title}”`,
        excerpt: markdownExcerpt(f.bodyMarkdown, 280),
        link: app ? `/apps/${app.slug}/feedback/${f.id}` : null,
      };
    }
    case "post": {
      const p = await findPostForThread(env, id);
      return p ? { authorId: p.creatorId, label: `post “${p.title}”`, excerpt: "", link: `/@${p.handle}/posts/${p.slug}` } : null;
    }
    case "app": {
      const a = await findAppForThread(env, { id });
      return a ? { authorId: a.creatorId, label: `app ${a.name}`, excerpt: "", link: `/apps/${a.slug}` } : null;
    }
    case "profile": {
      const u = await findProfileUser(env, id);
      return u ? { authorId: u.userId, label: `profile @${u.handle}`, excerpt: "", link: `/@${u.handle}` } : null;
    }
  }
}

/** Files a report (once per person per target); 404 for a target that doesn't exist. */
export async function fileReport(env: Env, viewer: Viewer | null, input: unknown, ip: string) {
  const r = parseOrThrow(ReportInput, input);
  const actor = await requireCommunityActor(env, viewer);
  const target = await describe(env, r.targetType, r.targetId);
  if (!target) throw notFound("We couldn't find what you are reporting.");
  if (target.authorId === actor.id) throw unprocessable("You can't report your own content.");
  await spendRateLimit(env, "report", actor, ip);
  const targetId = r.targetType === "profile" ? target.authorId! : r.targetId;
  const created = await insertReport(env, {
    id: newId(),
    reporterId: actor.id,
    targetType: r.targetType,
    targetId,
    reason: r.reason,
    note: r.note,
    createdAt: nowSeconds(),
  });
  if (!created) throw conflict("You already reported this. Thank you — an admin will look at it.");
  return { reported: true };
}

/**
 * Decision 121: hides a reported post, app or profile — out of every public output (the post back
 * to draft, the app unpublished, the storefront hidden; their feed entries retracted) with every
 * cached page's key moved — held so its owner can't put it back until an admin unhides it.
 */
async function holdContent(env: Env, admin: Viewer, type: HoldTarget, id: string, label: string, now: number) {
  let ownerId: string;
  let prior = "";
  if (type === "post") {
    const p = await findPostForThread(env, id);
    if (!p) throw notFound("That post is gone.");
    ownerId = p.creatorId;
    prior = p.status;
  } else if (type === "app") {
    const a = await findAppForThread(env, { id });
    if (!a) throw notFound("That app is gone.");
    ownerId = a.creatorId;
    prior = a.published ? "1" : "0";
  } else {
    ownerId = id;
  }
  if (!(await writeHold(env, { type, id, ownerId, prior, label, by: admin.id, now }))) return;
  if (type === "post") await retractActivity(env, id);
  if (type === "app") await onAppRemoved(env, id);
  forgetVersions();
}

/** Unhides a post, app or profile an admin hid (logged); a hidden profile of a suspended person stays hidden. */
export async function unhideContent(env: Env, admin: Viewer, type: string, id: string, reason: string) {
  requireAdmin(admin);
  if (!(HOLD_TARGETS as readonly string[]).includes(type)) throw unprocessable("Choose a post, app or profile to unhide.");
  const hold = await findHold(env, type as HoldTarget, id);
  if (!hold) throw notFound("That content isn't hidden.");
  if (!(await releaseHold(env, hold))) throw notFound("That content isn't hidden.");
  forgetVersions();
  await restoreFeedEntries(env, hold);
  await recordAdminAction(env, admin, "unhide-content", { type, id, label: hold.label }, reason);
  return { unhidden: true };
}

/**
 * What hiding retracted from followers' feeds goes back through the publishing fan-out (idempotent:
 * the activity is inserted once, and only that insert fans out): a post that was published, at its
 * original time, and an app that was published, as its launch at its first publication time. Nobody
 * is notified or emailed again. A profile hold retracts nothing (the feed leaves hidden storefronts out).
 */
async function restoreFeedEntries(env: Env, hold: { targetType: HoldTarget; targetId: string; prior: string }) {
  if (hold.targetType === "post" && hold.prior === "published") await restorePostActivity(env, hold.targetId);
  if (hold.targetType === "app" && hold.prior === "1") {
    const a = await findAppForFeed(env, hold.targetId);
    if (a?.published) await onAppPublished(env, a, a.creatorName, a.publishedAt ?? a.createdAt);
  }
}

/** `/admin/moderation`'s list of hidden posts, apps and profiles (newest first), with links. */
export async function getHiddenContent(env: Env, admin: Viewer) {
  requireAdmin(admin);
  const rows = await listHolds(env);
  return rows.map((h) => ({ type: h.targetType, id: h.targetId, label: h.label, hiddenAt: h.hiddenAt }));
}

/** `/admin/moderation`: open reports with what they point at. */
export async function getModerationQueue(env: Env, admin: Viewer) {
  requireAdmin(admin);
  const rows = await listOpenReports(env);
  const described = await Promise.all(rows.map((r) => describe(env, r.targetType, r.targetId)));
  const names = await publicNames(
    env,
    described.flatMap((d) => (d?.authorId ? [d.authorId] : [])),
  );
  return rows.map((r, i) => {
    const d = described[i];
    const who = d?.authorId ? names.get(d.authorId) : null;
    return {
      ...r,
      target: d ? { label: d.label, excerpt: d.excerpt, link: d.link } : { label: "(gone)", excerpt: "", link: null },
      author: d?.authorId ? { id: d.authorId, name: who ? `${who.displayName} (@${who.handle})` : "a member" } : null,
      canHide: !!d,
    };
  });
}

export type ModerationAction = "dismiss" | "hide" | "suspend";

/** Resolves a report (and every other open report on the same target) with one logged action. */
export async function moderateReport(env: Env, admin: Viewer, reportId: string, action: ModerationAction, reason: string) {
  requireAdmin(admin);
  const report = await findReport(env, reportId);
  if (!report) throw notFound("That report doesn't exist.");
  if (report.status !== "open") throw conflict("That report was already handled.");
  const target = await describe(env, report.targetType, report.targetId);
  const label = target?.label ?? `${report.targetType} ${report.targetId}`;
  const now = nowSeconds();
  if (action === "hide") {
    if (report.targetType === "comment") await setCommentHidden(env, report.targetId, now);
    else if (report.targetType === "feedback") await setFeedbackHidden(env, report.targetId, now);
    else await holdContent(env, admin, report.targetType, report.targetId, label, now);
  }
  if (action === "suspend") {
    if (!target?.authorId) throw notFound("The author of that content is gone.");
    await suspendUser(env, admin, target.authorId, reason || `reported ${report.reason}`);
  }
  await resolveReports(env, report.targetType, report.targetId, action === "dismiss" ? "dismissed" : "actioned", admin.id, now);
  if (action !== "suspend")
    await recordAdminAction(
      env,
      admin,
      action === "dismiss" ? "dismiss-report" : "hide-content",
      { type: report.targetType, id: report.targetId, label },
      reason,
    );
  return { action };
}
