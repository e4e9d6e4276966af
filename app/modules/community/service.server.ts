/**
 * Comments, likes, reactions, moderation and anti-spam (decisions 73–75).
 *
 * Every thread hangs on a post, an app page or a feedback item. Who may READ a thread is who may
 * read what it hangs on — for a post that is the entitlement module's full-post decision (a reader
 * who only sees the teaser sees no comments) — and threads are only ever served per viewer by
 * `/comments/:type/:id`, never inside an edge-cached page, feed, RSS, email or search index.
 * Who may WRITE: a signed-in, verified, not suspended reader who is not blocked by the thread's
 * owner, within the owner's per-thread policy, and within the rate limits.
 */
import { emitCreatorEvent } from "~/modules/webhooks/emit.server";
import { publicUrl } from "~/lib/public-url";
import { AppError, conflict, forbidden, notFound, tooManyRequests, unauthorized, unprocessable } from "~/lib/errors";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { renderMarkdown } from "~/lib/markdown.server";
import { parseOrThrow } from "~/lib/validation";
import { canView, liveMemberships } from "~/modules/content/entitlements.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { hit } from "~/modules/identity/rate-limit.server";
import { UNVERIFIED_MESSAGE } from "~/modules/identity/verified.server";
import { notify } from "~/modules/notifications/service.server";
import { gateOf, postPath } from "~/modules/posts/present.server";
import {
  actorFacts,
  countThread,
  existingHandles,
  findAppForThread,
  findComment,
  findFeedback,
  findPostForThread,
  insertComment,
  isBlocked,
  listReplies,
  listThreadPage,
  publicNames,
  recentDuplicate,
  removeComment,
  setCommentHidden,
  setCommentPinned,
  threadFacts,
  threadPolicy,
  updateCommentBody,
  writeBlock,
  writeLike,
  writeReaction,
  writeThreadPolicy,
  type AppForThread,
  type CommentRow,
  type FeedbackRow,
  type PostForThread,
  type ThreadCursor,
} from "./queries.server";
import { COMMENT_TARGETS, REACTIONS, type CommentPolicy, type CommentTarget, type Reaction } from "./schema";
import { CommentEdit, CommentInput, PolicyInput, ReactionInput } from "./validation";

export const EDIT_WINDOW_SECONDS = 15 * 60;
/** Accounts younger than this are "new": tighter limits and no links (decision 75). */
export const NEW_ACCOUNT_SECONDS = 24 * 60 * 60;
export const THREAD_PAGE = 20;

export type ThreadRef = { type: CommentTarget; id: string };

/** What a thread hangs on, resolved for one viewer. */
export type Thread = ThreadRef & {
  ownerId: string;
  title: string;
  /** Where the thread is shown (the post or app page). */
  path: string;
  canRead: boolean;
  /** Why not, in words, when `canRead` is false. */
  readDenied: string | null;
  policy: CommentPolicy;
  isModerator: boolean;
};

export function parseThreadRef(type: string, id: string): ThreadRef {
  if (!(COMMENT_TARGETS as readonly string[]).includes(type) || !/^[a-z0-9]{1,40}$/i.test(id))
    throw notFound("There's nothing to comment on here.");
  return { type: type as CommentTarget, id };
}

/** What a thread hangs on, as read from D1 (by `resolveThread`, or in `threadFacts`' batch). */
type ThreadTarget = { post?: PostForThread | null; app?: AppForThread | null; item?: FeedbackRow | null; policy: CommentPolicy };

/**
 * Resolves a thread for a viewer. Unpublished posts and apps exist only for their owner (404 for
 * everyone else, as on their pages); a gated post's thread is readable only with full access.
 */
export async function resolveThread(env: Env, viewer: Viewer | null, ref: ThreadRef): Promise<Thread> {
  // The policy read needs nothing from the target: one round trip's worth of waiting for both.
  if (ref.type === "post") {
    const [post, policy] = await Promise.all([findPostForThread(env, ref.id), threadPolicy(env, "post", ref.id)]);
    return decideThread(env, viewer, ref, { post, policy });
  }
  if (ref.type === "app") {
    const [app, policy] = await Promise.all([findAppForThread(env, { id: ref.id }), threadPolicy(env, "app", ref.id)]);
    return decideThread(env, viewer, ref, { app, policy });
  }
  const [item, policy] = await Promise.all([findFeedback(env, ref.id), threadPolicy(env, "feedback", ref.id)]);
  const app = item ? await findAppForThread(env, { id: item.appId }) : null;
  return decideThread(env, viewer, ref, { item: item ?? null, app, policy });
}

async function decideThread(env: Env, viewer: Viewer | null, ref: ThreadRef, t: ThreadTarget): Promise<Thread> {
  const missing = "We couldn't find that conversation. It may have been removed.";
  const policy = t.policy;
  if (ref.type === "post") {
    const post = t.post;
    if (!post) throw notFound(missing);
    const isOwner = viewer?.id === post.creatorId;
    if (post.status !== "published" && !isOwner && !viewer?.isAdmin) throw notFound(missing);
    const decision = await canView(env, viewer?.id ?? null, gateOf(post));
    return {
      ...ref,
      ownerId: post.creatorId,
      title: post.title,
      path: postPath(post.handle, post.slug),
      canRead: decision.allowed,
      readDenied: decision.allowed ? null : "Comments on this post are for readers who can read the whole post.",
      policy,
      isModerator: isOwner || !!viewer?.isAdmin,
    };
  }
  if (ref.type === "app") {
    const app = t.app;
    if (!app) throw notFound(missing);
    const isOwner = viewer?.id === app.creatorId;
    if (!app.published && !isOwner && !viewer?.isAdmin) throw notFound(missing);
    return {
      ...ref,
      ownerId: app.creatorId,
      title: app.name,
      path: `/apps/${app.slug}`,
      canRead: true,
      readDenied: null,
      policy,
      isModerator: isOwner || !!viewer?.isAdmin,
    };
  }
  const item = t.item;
  if (!item) throw notFound(missing);
  const app = t.app;
  const isOwner = viewer?.id === item.makerId;
  if (!app || (!app.published && !isOwner && !viewer?.isAdmin)) throw notFound(missing);
  if (item.hiddenAt && !isOwner && viewer?.id !== item.authorId && !viewer?.isAdmin) throw notFound(missing);
  return {
    ...ref,
    ownerId: item.makerId,
    title: item.title,
    path: `/apps/${app.slug}/feedback/${item.id}`,
    canRead: true,
    readDenied: null,
    policy,
    isModerator: isOwner || !!viewer?.isAdmin,
  };
}

/** Throws unless the viewer may read the thread (404 for what doesn't exist, 403 for gated). */
async function readableThread(env: Env, viewer: Viewer | null, ref: ThreadRef): Promise<Thread> {
  const t = await resolveThread(env, viewer, ref);
  if (!t.canRead) throw forbidden(t.readDenied ?? undefined);
  return t;
}

// ── the actor ──────────────────────────────────────────────────────────────────────────────────

type Actor = { id: string; createdAt: number; isNew: boolean };

/** Signed in, verified, not suspended: the bar for every community write. */
export async function requireCommunityActor(env: Env, viewer: Viewer | null): Promise<Actor> {
  if (!viewer) throw unauthorized("Sign in to join the conversation.");
  const facts = await actorFacts(env, viewer.id);
  if (!facts || facts.deletedAt !== null) throw unauthorized("Sign in to join the conversation.");
  if (facts.suspendedAt !== null) throw forbidden("This account is suspended.");
  if (facts.emailVerifiedAt === null) throw new AppError(403, UNVERIFIED_MESSAGE);
  return { id: facts.id, createdAt: facts.createdAt, isNew: nowSeconds() - facts.createdAt < NEW_ACCOUNT_SECONDS };
}

// ── rate limits (decision 75) ──────────────────────────────────────────────────────────────────

type Action = "comment" | "vote" | "report" | "feedback";
const LIMITS: Record<Action, { account: [number, number]; newAccount: [number, number]; ip: [number, number]; what: string }> = {
  // [max, window seconds]
  comment: { account: [10, 60], newAccount: [3, 600], ip: [30, 60], what: "comments" },
  feedback: { account: [5, 600], newAccount: [2, 3600], ip: [20, 600], what: "feedback items" },
  vote: { account: [120, 60], newAccount: [30, 60], ip: [1000, 60], what: "votes" },
  report: { account: [10, 3600], newAccount: [3, 3600], ip: [30, 3600], what: "reports" },
};

/**
 * Counts one action against the account's and the IP's windows (each an atomic upsert) and refuses
 * with 429 + Retry-After once a window is full. Counting before refusing means a flood cannot
 * squeeze extra actions in between a check and a write.
 */
export async function spendRateLimit(env: Env, action: Action, actor: Actor, ip: string): Promise<void> {
  const l = LIMITS[action];
  const [max, win] = actor.isNew ? l.newAccount : l.account;
  const db = getDb(env);
  const windows = [
    [`${action}:u:${actor.id}`, max, win],
    [`${action}:ip:${ip}`, l.ip[0], l.ip[1]],
  ] as const;
  const hits = await Promise.all(windows.map(([key, , w]) => hit(db, key, w)));
  for (const [i, [key, m]] of windows.entries()) {
    const { count, resetAt } = hits[i];
    if (count > m) {
      const retry = Math.max(1, resetAt - nowSeconds());
      const newNote = actor.isNew && key.includes(":u:") ? " New accounts have lower limits for their first day." : "";
      throw tooManyRequests(
        `Too many ${l.what} in a short time.${newNote} Try again in ${retry < 60 ? `${retry} s` : `${Math.ceil(retry / 60)} min`}.`,
        retry,
      );
    }
  }
}

const LINK = /(https?:\/\/|www\.|\]\(|<[a-z]+:|\b[a-z0-9-]+\.(com|net|org|io|app|dev|ai|xyz|ru|cn)\b)/i;

/** New accounts may not post links (the commonest spam), whatever the spelling. */
export function assertNoLinksForNewAccount(actor: Actor, text: string) {
  if (actor.isNew && LINK.test(text))
    throw unprocessable("New accounts can't post links during their first day. Please remove the link.", { body: "No links yet, please." });
}

// ── reading a thread ───────────────────────────────────────────────────────────────────────────

export type CommentView = {
  id: string;
  parentId: string | null;
  author: { name: string; handle: string | null };
  isCreator: boolean;
  isMine: boolean;
  html: string;
  /** The Markdown, for the author's edit box only. */
  source: string | null;
  createdAt: number;
  edited: boolean;
  canEdit: boolean;
  deleted: boolean;
  hidden: boolean;
  pinned: boolean;
  likes: number;
  liked: boolean;
  replies: CommentView[];
};

export function parseThreadCursor(raw: string | null): ThreadCursor | null {
  if (!raw) return null;
  const m = /^(\d{1,12})\.([a-z0-9]{1,40})$/.exec(raw);
  return m ? { k: Number(m[1]), id: m[2] } : null;
}

/** A comment as readers see it, before the viewer's own overlay (what the thread cache holds). */
type SharedComment = {
  id: string;
  parentId: string | null;
  authorId: string;
  author: { name: string; handle: string | null };
  html: string;
  bodyMarkdown: string;
  createdAt: number;
  edited: boolean;
  deleted: boolean;
  hidden: boolean;
  pinned: boolean;
  likes: number;
  replies: SharedComment[];
};
type SharedPage = { total: number; pinned: SharedComment | null; comments: SharedComment[]; next: string | null };

/**
 * One page of a thread rendered (Markdown sanitised, names and mentions resolved) for a viewer —
 * `viewerId` null and `seeHidden` false give the page every reader sees, which is what is cached.
 */
async function renderThreadPage(
  env: Env,
  ref: ThreadRef,
  q: { sort: "new" | "top"; cursor: ThreadCursor | null; viewerId: string | null; seeHidden: boolean },
): Promise<SharedPage> {
  const page = await listThreadPage(env, {
    type: ref.type,
    id: ref.id,
    sort: q.sort,
    cursor: q.cursor,
    limit: THREAD_PAGE,
    viewerId: q.viewerId,
    seeHidden: q.seeHidden,
  });
  const tops = [...(page.pinned && !q.cursor ? [page.pinned] : []), ...page.rows];
  const replies = await listReplies(
    env,
    tops.map((c) => c.id),
    q.viewerId,
    q.seeHidden,
  );
  const all = [...tops, ...replies];
  const [names, total, mentions] = await Promise.all([
    publicNames(
      env,
      all.map((c) => c.authorId),
    ),
    countThread(env, ref.type, ref.id),
    mentionMap(
      env,
      all.map((c) => c.bodyMarkdown),
    ),
  ]);
  const shared = (c: CommentRow): SharedComment => {
    const deleted = c.deletedAt !== null;
    const name = names.get(c.authorId);
    return {
      id: c.id,
      parentId: c.parentId,
      authorId: c.authorId,
      author: deleted ? { name: "", handle: null } : { name: name?.displayName ?? "An All Thrive member", handle: name?.handle ?? null },
      html: deleted ? "" : renderComment(c.bodyMarkdown, mentions),
      bodyMarkdown: deleted ? "" : c.bodyMarkdown,
      createdAt: c.createdAt,
      edited: c.editedAt !== null,
      deleted,
      hidden: c.hiddenAt !== null,
      pinned: c.pinnedAt !== null,
      likes: c.likeCount,
      replies: [],
    };
  };
  const byParent = new Map<string, SharedComment[]>();
  for (const r of replies) {
    const list = byParent.get(r.parentId!) ?? [];
    list.push(shared(r));
    byParent.set(r.parentId!, list);
  }
  const withReplies = (c: CommentRow) => ({ ...shared(c), replies: byParent.get(c.id) ?? [] });
  const last = page.rows.at(-1);
  return {
    total,
    pinned: page.pinned && !q.cursor ? withReplies(page.pinned) : null,
    comments: page.rows.map(withReplies),
    next: page.more && last ? `${q.sort === "top" ? last.likeCount : last.createdAt}.${last.id}` : null,
  };
}

// ── the readers' thread cache (decision 140) ───────────────────────────────────────────────────

/** At most this long a cached page may be served (names and @mentions of renamed storefronts catch up). */
const THREAD_CACHE_SECONDS = 60;
/** The isolate's budget for cached pages (characters of HTML and Markdown, roughly bytes); oldest go first. */
const THREAD_CACHE_MAX_CHARS = 4 * 1024 * 1024;
const threadCache = new Map<string, { page: SharedPage; at: number; size: number }>();
let threadCacheSize = 0;

const sizeOf = (c: SharedComment): number => 200 + c.html.length + c.bodyMarkdown.length + c.replies.reduce((n, r) => n + sizeOf(r), 0);

async function cachedThreadPage(key: string, render: () => Promise<SharedPage>): Promise<SharedPage> {
  const now = Date.now();
  const hit = threadCache.get(key);
  if (hit && now - hit.at < THREAD_CACHE_SECONDS * 1000) return hit.page;
  const page = await render();
  const size = [...(page.pinned ? [page.pinned] : []), ...page.comments].reduce((n, c) => n + sizeOf(c), 200);
  const old = threadCache.get(key);
  if (old) {
    threadCache.delete(key);
    threadCacheSize -= old.size;
  }
  if (size > THREAD_CACHE_MAX_CHARS / 8) return page; // a huge page isn't kept
  threadCache.set(key, { page, at: now, size });
  threadCacheSize += size;
  for (const [k, e] of threadCache) {
    if (threadCacheSize <= THREAD_CACHE_MAX_CHARS) break;
    threadCache.delete(k);
    threadCacheSize -= e.size;
  }
  return page;
}

/**
 * A page of a thread for this viewer: pinned comment (first page), top-level comments with their
 * replies, the viewer's likes, the next cursor, and what the viewer may do. 403 for a gated post's
 * thread when the viewer can't read the whole post — nothing of the thread is returned.
 *
 * Decision 140: one D1 batch reads the target, the policy, the thread's version and the viewer's own
 * facts. Readers who may read the thread (decided for THIS viewer first, every time) and who are not
 * its moderators and have no hidden comment of their own in it all see the same page, so that page
 * is rendered once per (thread, version, catalog counter, sort, cursor) per isolate and the viewer's
 * likes, own comments and permissions are laid over it. Moderators and authors of hidden comments
 * get their own page rendered as before.
 */
export async function getThread(
  env: Env,
  viewer: Viewer | null,
  ref: ThreadRef,
  opts: { sort?: string | null; cursor?: string | null } = {},
) {
  const viewerId = viewer?.id ?? null;
  const facts = await threadFacts(env, ref.type, ref.id, viewerId);
  const thread = await decideThread(env, viewer, ref, facts);
  if (!thread.canRead) throw forbidden(thread.readDenied ?? undefined);
  const sort = opts.sort === "top" ? "top" : "new";
  const cursor = parseThreadCursor(opts.cursor ?? null);
  const personal = thread.isModerator || facts.ownHidden;
  const render = (own: boolean) => () =>
    renderThreadPage(env, ref, { sort, cursor, viewerId: own ? viewerId : null, seeHidden: own && thread.isModerator });
  const key = `${ref.type}:${ref.id}:v${facts.version}:c${facts.catalog}:${sort}:${cursor ? `${cursor.k}.${cursor.id}` : ""}`;
  const [page, member] = await Promise.all([
    personal ? render(true)() : cachedThreadPage(key, render(false)),
    viewerId && thread.policy === "members" && !thread.isModerator ? isMember(env, viewerId, thread.ownerId) : Promise.resolve(true),
  ]);
  const now = nowSeconds();
  const present = (c: SharedComment): CommentView => {
    const mine = c.authorId === viewerId && !c.deleted;
    return {
      id: c.id,
      parentId: c.parentId,
      author: c.author,
      isCreator: !c.deleted && c.authorId === thread.ownerId,
      isMine: mine,
      html: c.html,
      source: mine ? c.bodyMarkdown : null,
      createdAt: c.createdAt,
      edited: c.edited,
      canEdit: mine && now - c.createdAt < EDIT_WINDOW_SECONDS,
      deleted: c.deleted,
      hidden: c.hidden,
      pinned: c.pinned,
      likes: c.likes,
      liked: facts.liked.has(c.id),
      replies: c.replies.map(present),
    };
  };
  const blocked = !!viewerId && !thread.isModerator && facts.blocked;
  const writeBlocked = !viewer
    ? "Sign in to comment."
    : thread.policy === "off"
      ? "Comments are turned off here."
      : blocked
        ? "You can't comment on this creator's content."
        : !member
          ? "Comments here are for members only."
          : null;
  const reactions = facts.reactions;
  return {
    thread: { type: ref.type, id: ref.id, title: thread.title, path: thread.path, policy: thread.policy, ownerId: thread.ownerId },
    sort,
    total: page.total,
    // An app page is edge-cached, so its board's live totals ride on this per-viewer request.
    board: facts.board,
    pinned: page.pinned ? present(page.pinned) : null,
    comments: page.comments.map(present),
    next: page.next,
    viewer: viewer
      ? { signedIn: true, isModerator: thread.isModerator, canComment: writeBlocked === null }
      : { signedIn: false, isModerator: false, canComment: false },
    writeBlocked,
    reactions: reactions
      ? {
          counts: Object.fromEntries(REACTIONS.map((r) => [r, Number(reactions.counts.find((c) => c.reaction === r)?.n ?? 0)])) as Record<
            Reaction,
            number
          >,
          mine: reactions.mine,
        }
      : null,
  };
}

async function isMember(env: Env, userId: string, ownerId: string): Promise<boolean> {
  const { tiers } = await liveMemberships(env, userId, [ownerId]);
  return (tiers.get(ownerId)?.size ?? 0) > 0;
}

// ── Markdown-lite and mentions ─────────────────────────────────────────────────────────────────

const MENTION = /(^|[^\w@/`])@([a-z0-9][a-z0-9-]{1,29})\b/gi;

/** Text outside code (fenced blocks and inline spans), where mentions count. */
function outsideCode(source: string): string[] {
  return source.split(/```[\s\S]*?(?:```|$)|`[^`\n]*`/g);
}

export function mentionedHandles(source: string): string[] {
  const out = new Set<string>();
  for (const part of outsideCode(source)) for (const m of part.matchAll(MENTION)) out.add(m[2].toLowerCase());
  return [...out].slice(0, 10);
}

async function mentionMap(env: Env, sources: string[]) {
  return existingHandles(env, [...new Set(sources.flatMap(mentionedHandles))]);
}

/**
 * A comment's Markdown → HTML with THE post sanitiser (`renderMarkdown`, decision 38's two lines of
 * defence). Comments are Markdown-lite: images are written as plain links (no tracking pixels, no
 * hot-linked pictures in threads), headings as text; `@handle` of an existing storefront becomes
 * a link to it. The rewrite happens on the source, so whatever it makes still goes through the
 * sanitiser.
 */
export function renderComment(source: string, handles: Map<string, string>): string {
  const parts = source.split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/g);
  const rewritten = parts
    .map((p, i) => {
      if (i % 2 === 1) return p; // code: untouched
      return p
        .replace(/!\[/g, "\\![")
        .replace(/^(\s{0,3})(#{1,6})(\s)/gm, "$1\\$2$3")
        .replace(MENTION, (all, pre: string, h: string) => (handles.has(h.toLowerCase()) ? `${pre}[@${h}](/@${h.toLowerCase()})` : all));
    })
    .join("");
  return renderMarkdown(rewritten);
}

// ── writing ────────────────────────────────────────────────────────────────────────────────────

async function writableThread(env: Env, viewer: Viewer | null, ref: ThreadRef) {
  const actor = await requireCommunityActor(env, viewer);
  const thread = await readableThread(env, viewer, ref);
  if (!thread.isModerator) {
    if (thread.policy === "off") throw forbidden("Comments are turned off here.");
    if (await isBlocked(env, thread.ownerId, actor.id)) throw forbidden("You can't comment on this creator's content.");
    if (thread.policy === "members" && !(await isMember(env, actor.id, thread.ownerId)))
      throw forbidden("Comments here are for members only.");
  }
  return { actor, thread };
}

/** Posts a comment or a reply. Replies to a reply attach to its top-level comment (one level). */
export async function addComment(env: Env, viewer: Viewer | null, ref: ThreadRef, input: unknown, ip: string) {
  const { body, parentId } = parseOrThrow(CommentInput, input);
  const { actor, thread } = await writableThread(env, viewer, ref);
  assertNoLinksForNewAccount(actor, body);
  let parent: CommentRow | null = null;
  if (parentId) {
    const p = await findComment(env, parentId);
    if (!p || p.targetType !== ref.type || p.targetId !== ref.id) throw notFound("That comment is gone, so you can't reply to it.");
    parent = p.parentId ? ((await findComment(env, p.parentId)) ?? null) : p;
    if (!parent || parent.deletedAt !== null) throw notFound("That comment is gone, so you can't reply to it.");
    if (parent.hiddenAt !== null && !thread.isModerator && parent.authorId !== actor.id)
      throw notFound("That comment is gone, so you can't reply to it.");
  }
  const now = nowSeconds();
  if (await recentDuplicate(env, actor.id, body, now - 10 * 60))
    throw conflict("You already posted that. Say something new?", { body: "Already posted." });
  await spendRateLimit(env, "comment", actor, ip);
  const id = newId();
  await insertComment(env, {
    id,
    targetType: ref.type,
    targetId: ref.id,
    ownerId: thread.ownerId,
    authorId: actor.id,
    parentId: parent?.id ?? null,
    bodyMarkdown: body,
    createdAt: now,
  });
  await notifyForComment(env, thread, { id, authorId: actor.id, parent, body });
  // Creators' webhooks: the thread's owner is the creator; the comment is on their own content.
  await emitCreatorEvent(
    env,
    thread.ownerId,
    "comment.created",
    {
      comment: {
        id,
        target: { type: ref.type, id: ref.id, title: thread.title, url: publicUrl(env, thread.path) },
        parent_id: parent?.id ?? null,
        author_id: actor.id,
        body_markdown: body,
        created_at: now,
      },
    },
    id,
  );
  return { id };
}

/**
 * Replies → the parent's author; top-level comments → the thread's owner; `@handle` → that person
 * if they may read the thread. Messages never quote the comment (a gated post's thread must not
 * reach anyone through a notification), only who and where.
 */
async function notifyForComment(env: Env, thread: Thread, c: { id: string; authorId: string; parent: CommentRow | null; body: string }) {
  const who = (await publicNames(env, [c.authorId])).get(c.authorId);
  const actorName = who ? `${who.displayName} (@${who.handle})` : "A member";
  const link = `${thread.path}#comment-${c.id}`;
  const told = new Set<string>([c.authorId]);
  const send = async (userId: string, kind: "comment_reply" | "new_comment" | "mention", message: string) => {
    if (told.has(userId)) return;
    told.add(userId);
    await notify(env, { userId, kind, subjectId: c.id, actorId: c.authorId, actorName, message, link });
  };
  if (c.parent) await send(c.parent.authorId, "comment_reply", `${actorName} replied to your comment on “${thread.title}”.`);
  else await send(thread.ownerId, "new_comment", `${actorName} commented on “${thread.title}”.`);
  const handles = await existingHandles(env, mentionedHandles(c.body));
  for (const userId of handles.values()) {
    if (told.has(userId)) continue;
    const t = await resolveThread(env, { id: userId, email: "", isAdmin: false }, thread);
    if (t.canRead) await send(userId, "mention", `${actorName} mentioned you in a comment on “${thread.title}”.`);
  }
}

async function ownComment(env: Env, viewer: Viewer | null, id: string) {
  const actor = await requireCommunityActor(env, viewer);
  const c = await findComment(env, id);
  if (!c || c.deletedAt !== null) throw notFound("That comment is gone.");
  if (c.authorId !== actor.id) throw forbidden("Only its author can change a comment.");
  return { actor, c };
}

/** The author edits within 15 minutes; the comment then shows "edited". */
export async function editComment(env: Env, viewer: Viewer | null, id: string, input: unknown) {
  const { body } = parseOrThrow(CommentEdit, input);
  const { actor, c } = await ownComment(env, viewer, id);
  await readableThread(env, viewer, { type: c.targetType, id: c.targetId });
  const now = nowSeconds();
  if (now - c.createdAt >= EDIT_WINDOW_SECONDS)
    throw forbidden("Comments can be edited for 15 minutes after posting. You can still delete it.");
  assertNoLinksForNewAccount(actor, body);
  if (body !== c.bodyMarkdown) await updateCommentBody(env, c.id, body, now);
  return { id: c.id };
}

/** The author deletes; with replies it stays as "comment deleted". */
export async function deleteComment(env: Env, viewer: Viewer | null, id: string) {
  const { c } = await ownComment(env, viewer, id);
  await removeComment(env, c, nowSeconds());
  return { id: c.id };
}

/** Like or unlike a comment the viewer can see. Returns the exact count. */
export async function likeComment(env: Env, viewer: Viewer | null, id: string, on: boolean, ip: string) {
  const actor = await requireCommunityActor(env, viewer);
  const c = await findComment(env, id);
  if (!c || c.deletedAt !== null || (c.hiddenAt !== null && c.authorId !== actor.id)) throw notFound("That comment is gone.");
  await readableThread(env, viewer, { type: c.targetType, id: c.targetId });
  await spendRateLimit(env, "vote", actor, ip);
  return { likes: await writeLike(env, c.id, actor.id, on, nowSeconds()), liked: on };
}

/** One reaction per reader per post (another choice replaces it; "" removes it). */
export async function reactToPost(env: Env, viewer: Viewer | null, postId: string, input: unknown, ip: string) {
  const { reaction } = parseOrThrow(ReactionInput, input);
  const actor = await requireCommunityActor(env, viewer);
  await readableThread(env, viewer, { type: "post", id: postId });
  await spendRateLimit(env, "vote", actor, ip);
  const counts = await writeReaction(env, postId, actor.id, reaction === "" ? null : reaction, nowSeconds());
  return {
    mine: reaction || null,
    counts: Object.fromEntries(REACTIONS.map((r) => [r, Number(counts.find((c) => c.reaction === r)?.n ?? 0)])),
  };
}

// ── moderation by the thread's owner ───────────────────────────────────────────────────────────

async function moderatedComment(env: Env, viewer: Viewer | null, id: string) {
  if (!viewer) throw unauthorized();
  const c = await findComment(env, id);
  if (!c || c.deletedAt !== null) throw notFound("That comment is gone.");
  if (c.ownerId !== viewer.id && !viewer.isAdmin) throw forbidden("Only the creator of this page can moderate its comments.");
  return c;
}

/** Pin one top-level comment per thread (pinning another replaces it), or unpin. */
export async function pinComment(env: Env, viewer: Viewer | null, id: string, on: boolean) {
  const c = await moderatedComment(env, viewer, id);
  if (c.parentId) throw unprocessable("Only top-level comments can be pinned.");
  await setCommentPinned(env, c, on ? nowSeconds() : null);
  return { id: c.id, pinned: on };
}

/** Hidden comments are visible to their author (and moderators) only. */
export async function hideComment(env: Env, viewer: Viewer | null, id: string, on: boolean) {
  const c = await moderatedComment(env, viewer, id);
  await setCommentHidden(env, c.id, on ? nowSeconds() : null);
  return { id: c.id, hidden: on };
}

/** Blocks (or unblocks) a comment's author from commenting on everything the viewer owns. */
export async function blockCommenter(env: Env, viewer: Viewer | null, commentId: string, on: boolean) {
  const c = await moderatedComment(env, viewer, commentId);
  if (c.authorId === c.ownerId) throw unprocessable("You can't block yourself.");
  await writeBlock(env, c.ownerId, c.authorId, on, nowSeconds());
  return { blocked: on };
}

/** The owner decides per thread: everyone who can read / members only / off. */
export async function setThreadPolicy(env: Env, viewer: Viewer | null, ref: ThreadRef, input: unknown) {
  const { policy } = parseOrThrow(PolicyInput, input);
  if (!viewer) throw unauthorized();
  const thread = await resolveThread(env, viewer, ref);
  if (thread.ownerId !== viewer.id && !viewer.isAdmin) throw forbidden("Only the creator can change who may comment.");
  await writeThreadPolicy(env, ref.type, ref.id, policy, nowSeconds());
  return { policy };
}

export { findComment };
