/**
 * An app's public feedback board, `/apps/:slug/feedback` (decision 76): ideas, bugs and questions
 * with one upvote per person (exact under concurrency: the vote row's primary key plus a recount in
 * the same batch), statuses set by the maker, duplicates merged by the maker (votes move to the
 * kept item, each voter counted once and notified once), and a comment thread per item.
 */
import { conflict, forbidden, notFound, unauthorized, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { renderMarkdown } from "~/lib/markdown.server";
import { trendingIncrement } from "~/lib/trending";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { notify } from "~/modules/notifications/service.server";
import {
  appVoteTotal,
  findAppForThread,
  findFeedback,
  insertFeedback,
  isBlocked,
  listFeedbackItems,
  mergeFeedbackRows,
  publicNames,
  votedAmong,
  voterIds,
  writeFeedbackStatus,
  writeVote,
  type FeedbackRow,
  type FeedbackSort,
} from "./queries.server";
import { FEEDBACK_STATUSES, type FeedbackStatus } from "./schema";
import { assertNoLinksForNewAccount, requireCommunityActor, spendRateLimit } from "./service.server";
import { FeedbackInput, FeedbackStatusInput } from "./validation";

/**
 * Upvotes are a trending signal (docs/apps-follows-discovery.md's formula, decision 76): one per
 * person per item, never bought, weight 2 — or 0.5 from accounts under a day old (voting already
 * needs a verified address), taken back exactly on unvote.
 */
export const UPVOTE_WEIGHT = 2;
export const NEW_ACCOUNT_UPVOTE_WEIGHT = 0.5;

export const STATUS_LABELS: Record<FeedbackStatus, string> = {
  open: "Open",
  planned: "Planned",
  in_progress: "In progress",
  done: "Done",
  wont_do: "Won't do",
};

async function boardApp(env: Env, viewer: Viewer | null, slug: string) {
  const app = await findAppForThread(env, { slug });
  if (!app || (!app.published && viewer?.id !== app.creatorId && !viewer?.isAdmin)) throw notFound("We couldn't find that app.");
  return { ...app, isMaker: viewer?.id === app.creatorId || !!viewer?.isAdmin };
}

function presentItem(f: FeedbackRow, names: Map<string, { handle: string; displayName: string }>, voted: Set<string>) {
  const who = names.get(f.authorId);
  return {
    id: f.id,
    kind: f.kind,
    title: f.title,
    bodyHtml: f.bodyMarkdown ? renderMarkdown(f.bodyMarkdown.replace(/!\[/g, "\\![")) : "",
    status: f.status,
    statusLabel: STATUS_LABELS[f.status],
    votes: f.voteCount,
    voted: voted.has(f.id),
    hidden: f.hiddenAt !== null,
    mergedInto: f.mergedInto,
    author: who ? { name: who.displayName, handle: who.handle } : { name: "An All Thrive member", handle: null },
    createdAt: f.createdAt,
  };
}

/** The board: items (not merged away, hidden ones only for their author), top or newest first. */
export async function getBoard(env: Env, viewer: Viewer | null, slug: string, opts: { sort?: string | null; status?: string | null } = {}) {
  const app = await boardApp(env, viewer, slug);
  const sort: FeedbackSort = opts.sort === "new" ? "new" : "top";
  const status = (FEEDBACK_STATUSES as readonly string[]).includes(opts.status ?? "") ? (opts.status as FeedbackStatus) : null;
  const rows = await listFeedbackItems(env, app.id, sort, status, viewer?.id ?? null);
  const [names, voted] = await Promise.all([
    publicNames(
      env,
      rows.map((r) => r.authorId),
    ),
    viewer
      ? votedAmong(
          env,
          viewer.id,
          rows.map((r) => r.id),
        )
      : Promise.resolve(new Set<string>()),
  ]);
  return {
    app: { id: app.id, slug: app.slug, name: app.name },
    isMaker: app.isMaker,
    signedIn: !!viewer,
    sort,
    status,
    items: rows.map((r) => presentItem(r, names, voted)),
    statuses: FEEDBACK_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
  };
}

/** One item (its comments come from the thread route). A merged duplicate answers with where it went. */
export async function getFeedbackItem(env: Env, viewer: Viewer | null, slug: string, id: string) {
  const app = await boardApp(env, viewer, slug);
  const item = await findFeedback(env, id);
  if (!item || item.appId !== app.id) throw notFound("We couldn't find that feedback item.");
  if (item.hiddenAt && viewer?.id !== item.authorId && !app.isMaker) throw notFound("We couldn't find that feedback item.");
  const [names, voted] = await Promise.all([
    publicNames(env, [item.authorId]),
    viewer ? votedAmong(env, viewer.id, [item.id]) : Promise.resolve(new Set<string>()),
  ]);
  const others = app.isMaker ? (await listFeedbackItems(env, app.id, "top", null, null)).filter((o) => o.id !== item.id) : [];
  return {
    app: { id: app.id, slug: app.slug, name: app.name },
    isMaker: app.isMaker,
    signedIn: !!viewer,
    item: presentItem(item, names, voted),
    mergeTargets: others.map((o) => ({ id: o.id, title: o.title })),
    statuses: FEEDBACK_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
  };
}

/** Files an idea, bug or question; the maker is notified (and gets it in the next daily digest email, decision 120). */
export async function fileFeedback(env: Env, viewer: Viewer | null, slug: string, input: unknown, ip: string) {
  const f = parseOrThrow(FeedbackInput, input);
  const actor = await requireCommunityActor(env, viewer);
  const app = await boardApp(env, viewer, slug);
  if (await isBlocked(env, app.creatorId, actor.id)) throw forbidden("You can't post feedback on this maker's apps.");
  assertNoLinksForNewAccount(actor, `${f.title}\n${f.body}`);
  await spendRateLimit(env, "feedback", actor, ip);
  const now = nowSeconds();
  const id = newId();
  await insertFeedback(env, {
    id,
    appId: app.id,
    makerId: app.creatorId,
    authorId: actor.id,
    kind: f.kind,
    title: f.title,
    bodyMarkdown: f.body,
    createdAt: now,
    updatedAt: now,
  });
  if (app.creatorId !== actor.id) {
    await notify(env, {
      userId: app.creatorId,
      kind: "new_feedback",
      subjectId: id,
      actorId: actor.id,
      message: `New ${f.kind} for ${app.name}: “${f.title}”`,
      link: `/apps/${app.slug}/feedback/${id}`,
      groupKey: `feedback:${app.id}`,
      groupLabel: app.name,
    });
  }
  return { id };
}

async function votable(env: Env, viewer: Viewer | null, slug: string, id: string) {
  // Independent reads, one round trip's worth of waiting (a vote storm is mostly these).
  const [actor, app, item] = await Promise.all([requireCommunityActor(env, viewer), boardApp(env, viewer, slug), findFeedback(env, id)]);
  if (!item || item.appId !== app.id || item.hiddenAt !== null) throw notFound("We couldn't find that feedback item.");
  if (item.mergedInto) throw unprocessable("This item was merged into another one: vote there.");
  return { actor, item };
}

/** One upvote per person; voting twice is still one. Returns the exact count. */
export async function voteFeedback(env: Env, viewer: Viewer | null, slug: string, id: string, on: boolean, ip: string) {
  const { actor, item } = await votable(env, viewer, slug, id);
  await spendRateLimit(env, "vote", actor, ip);
  const now = nowSeconds();
  const weight = trendingIncrement(actor.isNew ? NEW_ACCOUNT_UPVOTE_WEIGHT : UPVOTE_WEIGHT, now);
  return { votes: await writeVote(env, item, actor.id, on, now, weight), voted: on };
}

async function makersItem(env: Env, viewer: Viewer | null, slug: string, id: string) {
  if (!viewer) throw unauthorized("Sign in as the app's maker to do that.");
  const app = await boardApp(env, viewer, slug);
  if (!app.isMaker) throw forbidden("Only the app's maker can do that.");
  const item = await findFeedback(env, id);
  if (!item || item.appId !== app.id) throw notFound("We couldn't find that feedback item.");
  return { app, item };
}

/** The maker sets a status; everyone who voted is told once per status it reaches. */
export async function setFeedbackStatus(env: Env, viewer: Viewer | null, slug: string, id: string, input: unknown) {
  const { status } = parseOrThrow(FeedbackStatusInput, input);
  const { app, item } = await makersItem(env, viewer, slug, id);
  if (item.mergedInto) throw unprocessable("This item was merged into another one.");
  if (item.status === status) return { status };
  await writeFeedbackStatus(env, item.id, status, nowSeconds());
  const voters = await voterIds(env, item.id);
  await Promise.all(
    voters
      .filter((u) => u !== app.creatorId)
      .map((userId) =>
        notify(env, {
          userId,
          kind: "feedback_status",
          subjectId: `${item.id}:${status}`,
          actorId: app.creatorId,
          message: `“${item.title}” on ${app.name} is now ${STATUS_LABELS[status].toLowerCase()}.`,
          link: `/apps/${app.slug}/feedback/${item.id}`,
        }),
      ),
  );
  return { status };
}

/** The maker merges a duplicate into the item that stays; the duplicate's voters are told once. */
export async function mergeFeedback(env: Env, viewer: Viewer | null, slug: string, dupId: string, keepId: string) {
  const { app, item: dup } = await makersItem(env, viewer, slug, dupId);
  const keep = await findFeedback(env, keepId);
  if (!keep || keep.appId !== app.id || keep.mergedInto) throw notFound("Choose an item of this board to keep.");
  if (keep.id === dup.id) throw unprocessable("Choose a different item to merge into.");
  if (dup.mergedInto) throw unprocessable("This item was already merged.");
  // Decided inside one batch: a merge racing this one on the same items (or the other way round) loses here.
  const { merged, voters } = await mergeFeedbackRows(env, dup, keep.id, nowSeconds());
  if (!merged) throw conflict("One of these items was merged a moment ago; reload the board.");
  await Promise.all(
    voters
      .filter((u) => u !== app.creatorId)
      .map((userId) =>
        notify(env, {
          userId,
          kind: "feedback_status",
          subjectId: `merge:${dup.id}`,
          actorId: app.creatorId,
          message: `“${dup.title}” on ${app.name} was merged into “${keep.title}”; your vote moved there.`,
          link: `/apps/${app.slug}/feedback/${keep.id}`,
        }),
      ),
  );
  return { keptId: keep.id };
}

export { appVoteTotal };
