/**
 * The admin console's rules (decision 67): admins only, every action logged with who, what, when
 * and why; suspension hides a person's storefront and everything on it and ends their sessions.
 */
import { forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney } from "~/lib/money";
import type { Viewer } from "~/modules/identity/auth.server";
import {
  consoleNumbers,
  findAppForAdmin,
  findUserForAdmin,
  listActions,
  logAction,
  listFeatured,
  searchUsers,
  writeFeatured,
  writeSuspension,
  writeUnsuspension,
  type ActionRow,
} from "./queries.server";

/** Every admin route and action starts here: a signed-in non-admin gets 403. */
export function requireAdmin(viewer: Viewer): void {
  if (!viewer.isAdmin) throw forbidden("Admins only.");
}

const entry = (admin: Viewer, action: string, targetType: string, targetId: string, targetLabel: string, reason = ""): ActionRow => ({
  id: newId(),
  adminId: admin.id,
  adminEmail: admin.email,
  action,
  targetType,
  targetId,
  targetLabel,
  reason,
  createdAt: nowSeconds(),
});

/** Start of the current calendar month (UTC), in seconds. */
export function monthStart(now = new Date()): number {
  return Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000);
}

export async function getConsoleHome(env: Env, admin: Viewer) {
  requireAdmin(admin);
  const n = await consoleNumbers(env, monthStart());
  return {
    creators: n.creators,
    members: n.members,
    gmv: n.gmv.map((g) => ({ ...g, formatted: formatMoney(g.amount, g.currency) })),
    deadLetters: n.deadLetters,
    openReports: n.openReports,
    actions: await listActions(env, 20),
  };
}

/** Logs a moderation action taken elsewhere (decision 67's log: who, what, which target, when, why). */
export async function recordAdminAction(
  env: Env,
  admin: Viewer,
  action: string,
  target: { type: string; id: string; label: string },
  reason = "",
) {
  requireAdmin(admin);
  await logAction(env, entry(admin, action, target.type, target.id, target.label, reason));
}

export async function adminSearchUsers(env: Env, admin: Viewer, q: string) {
  requireAdmin(admin);
  const rows = await searchUsers(env, q.trim().replace(/^@/, "").slice(0, 100));
  return rows.map((r) => ({ ...r, isAdmin: !!r.isAdmin }));
}

function requireReason(reason: string): string {
  const r = reason.trim();
  if (r.length < 3) throw unprocessable("Give a reason (at least 3 characters); it is logged.", { reason: "Give a reason; it is logged." });
  return r.slice(0, 500);
}

export async function suspendUser(env: Env, admin: Viewer, userId: string, reason: string) {
  requireAdmin(admin);
  const why = requireReason(reason);
  const user = await findUserForAdmin(env, userId);
  if (!user || user.deletedAt !== null) throw notFound("That account doesn't exist.");
  if (user.id === admin.id) throw unprocessable("You can't suspend your own account.");
  if (user.suspendedAt !== null) return { already: true as const, email: user.email };
  const label = user.handle ? `${user.email} (@${user.handle})` : user.email;
  await writeSuspension(env, user.id, why, nowSeconds(), entry(admin, "suspend", "user", user.id, label, why));
  return { already: false as const, email: user.email };
}

export async function unsuspendUser(env: Env, admin: Viewer, userId: string, reason: string) {
  requireAdmin(admin);
  const why = requireReason(reason);
  const user = await findUserForAdmin(env, userId);
  if (!user || user.deletedAt !== null) throw notFound("That account doesn't exist.");
  if (user.suspendedAt === null) return { already: true as const, email: user.email };
  const label = user.handle ? `${user.email} (@${user.handle})` : user.email;
  await writeUnsuspension(env, user.id, entry(admin, "unsuspend", "user", user.id, label, why));
  return { already: false as const, email: user.email };
}

export async function getFeaturedConsole(env: Env, admin: Viewer) {
  requireAdmin(admin);
  return listFeatured(env);
}

/**
 * Adds, removes or moves a featured app. The order is rewritten as ranks 1..n each time, so it is
 * always exactly what the console shows.
 */
export async function changeFeatured(env: Env, admin: Viewer, op: "add" | "remove" | "up" | "down", slug: string) {
  requireAdmin(admin);
  const app = await findAppForAdmin(env, slug.trim().replace(/^\/?apps\//, ""));
  if (!app) throw notFound("There's no app with that address.");
  const current = await listFeatured(env);
  const order = current.map((a) => a.id);
  const creatorOf = new Map<string, string>(current.map((a) => [a.id, a.creatorId]));
  creatorOf.set(app.id, app.creatorId);
  const at = order.indexOf(app.id);
  if (op === "add" && at < 0) order.push(app.id);
  if (op === "remove" && at >= 0) order.splice(at, 1);
  if ((op === "up" && at > 0) || (op === "down" && at >= 0 && at < order.length - 1)) {
    const to = op === "up" ? at - 1 : at + 1;
    [order[at], order[to]] = [order[to], order[at]];
  }
  const changes: { id: string; creatorId: string; featured: boolean; rank: number | null }[] = order.map((id, i) => ({
    id,
    creatorId: creatorOf.get(id)!,
    featured: true,
    rank: i + 1,
  }));
  if (op === "remove") changes.push({ id: app.id, creatorId: app.creatorId, featured: false, rank: null });
  const action = { add: "feature", remove: "unfeature", up: "featured-move-up", down: "featured-move-down" }[op];
  await writeFeatured(env, changes, entry(admin, action, "app", app.id, `/apps/${app.slug}`));
}

export async function getActionLog(env: Env, admin: Viewer) {
  requireAdmin(admin);
  return listActions(env, 200);
}
