/**
 * Turns a post row into what an output may show to one reader. The gated part is only ever
 * rendered when the entitlement decision allows it; otherwise the view carries the preview (the
 * part before the paywall marker) or nothing — never the rest. Every output (page, loader data,
 * feed, RSS, email, meta tags) builds from these views.
 */
import { markdownExcerpt, renderMarkdown } from "~/lib/markdown.server";
import { decide, type Decision, type Gate, type Need, type ViewerAccess } from "~/modules/content/entitlements.server";
import { mediaUrl } from "~/modules/media/service.server";
import { splitPaywall, withoutMarker } from "./paywall";
import type { CreatorRow, PostRow } from "./queries.server";
import type { Visibility } from "./schema";

export const VISIBILITY_LABELS: Record<Visibility, string> = {
  public: "Public",
  followers: "Followers",
  paid: "Paid subscribers",
  tiers: "Selected tiers",
  product: "Buyers",
};

export const gateOf = (p: Pick<PostRow, "creatorId" | "visibility" | "tierIds" | "productId">): Gate => ({
  creatorId: p.creatorId,
  visibility: p.visibility,
  tierIds: p.tierIds ?? [],
  productId: p.productId ?? null,
});

export const postPath = (handle: string, slug: string) => `/@${handle}/posts/${slug}`;

/**
 * The teaser anyone may see (meta description, cards, RSS description): the creator's excerpt,
 * else for public posts the start of the body, else the start of the preview. A gated post without
 * a marker and without an excerpt has no teaser.
 */
export function teaserOf(p: Pick<PostRow, "excerpt" | "bodyMarkdown" | "visibility">, max = 200): string {
  if (p.excerpt) return p.excerpt.length > max ? p.excerpt.slice(0, max - 1).trimEnd() + "…" : p.excerpt;
  if (p.visibility === "public") return markdownExcerpt(withoutMarker(p.bodyMarkdown), max);
  const { preview, hasMarker } = splitPaywall(p.bodyMarkdown);
  return hasMarker ? markdownExcerpt(preview, max) : "";
}

/**
 * What lists show of a post without its body, stored beside it by the posts service on every write
 * of body, excerpt or visibility: the card teaser and the free preview's Markdown (null: no marker).
 */
export function listFields(p: Pick<PostRow, "excerpt" | "bodyMarkdown" | "visibility">): {
  teaser: string;
  previewMarkdown: string | null;
} {
  const split = splitPaywall(p.bodyMarkdown);
  return { teaser: teaserOf(p), previewMarkdown: split.hasMarker ? split.preview : null };
}

/** The stored list fields, or for a row from before they existed, the same derived from its body. */
function listFieldsOf(p: ListFields & { bodyMarkdown?: string }): { teaser: string; previewMarkdown: string | null } {
  if (p.teaser !== null) return { teaser: p.teaser, previewMarkdown: p.previewMarkdown };
  return listFields({ excerpt: p.excerpt, visibility: p.visibility, bodyMarkdown: p.bodyMarkdown ?? p.legacyBody ?? "" });
}

export type PostCard = {
  id: string;
  slug: string;
  title: string;
  url: string;
  teaser: string;
  coverUrl: string | null;
  visibility: Visibility;
  visibilityLabel: string;
  /** Who may read it, naming the offer that unlocks it ("Members of Inner circle"); null if public. */
  offer: string | null;
  /** True when this reader cannot read past the preview. */
  locked: boolean;
  need: Need | null;
  status: PostRow["status"];
  publishedAt: number | null;
  appId: string | null;
  creator: { userId: string; handle: string; displayName: string; avatarUrl: string | null };
};

/** What list presenters read of a post (lists select `postListColumns`: no body). */
export type ListFields = Pick<
  PostRow,
  | "id"
  | "creatorId"
  | "slug"
  | "title"
  | "excerpt"
  | "teaser"
  | "previewMarkdown"
  | "coverKey"
  | "appId"
  | "status"
  | "visibility"
  | "tierIds"
  | "productId"
  | "publishedAt"
> & { legacyBody?: string | null };
/** What the full post presenter reads: the list fields and the body. */
export type PostFields = ListFields & Pick<PostRow, "bodyMarkdown">;
export type CreatorFields = Pick<CreatorRow, "userId" | "handle" | "displayName" | "avatarKey">;

export type PostView = PostCard & {
  /** Full body HTML — only present when the reader has access. */
  bodyHtml: string | null;
  /** Preview HTML (before the paywall marker) — only present when the reader lacks access. */
  previewHtml: string | null;
  hasPreview: boolean;
};

/** Tier and product names that unlock posts (only active tiers and published products). */
export type OfferNames = { tiers: ReadonlyMap<string, string>; products: ReadonlyMap<string, string> };

const orList = (names: string[]) => (names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`);

/**
 * The exact offer that unlocks a gated post, for its lock badge: "Members of Inner circle",
 * "Buyers of Booking-bot kit". The same for every reader (it names the offer, not the reader's
 * state), so edge-cached pages may carry it. Null for public posts.
 */
export function offerLabel(
  post: Pick<ListFields, "visibility" | "tierIds" | "productId">,
  creator: Pick<CreatorFields, "displayName">,
  names: OfferNames | null,
): string | null {
  switch (post.visibility) {
    case "public":
      return null;
    case "followers":
      return `Followers of ${creator.displayName}`;
    case "paid":
      return `Paying members of ${creator.displayName}`;
    case "tiers": {
      const n = post.tierIds.map((id) => names?.tiers.get(id)).filter((x): x is string => !!x);
      return n.length ? `Members of ${orList(n)}` : `Members of selected ${creator.displayName} tiers`;
    }
    case "product": {
      const t = post.productId ? names?.products.get(post.productId) : undefined;
      return t ? `Buyers of ${t}` : `Buyers of a ${creator.displayName} product`;
    }
  }
}

function card(post: ListFields, creator: CreatorFields, decision: Decision, teaser: string, names: OfferNames | null = null): PostCard {
  return {
    id: post.id,
    slug: post.slug,
    title: post.title,
    url: postPath(creator.handle, post.slug),
    teaser,
    coverUrl: mediaUrl(post.coverKey),
    visibility: post.visibility,
    visibilityLabel: VISIBILITY_LABELS[post.visibility],
    offer: offerLabel(post, creator, names),
    locked: !decision.allowed,
    need: decision.need,
    status: post.status,
    publishedAt: post.publishedAt,
    appId: post.appId,
    creator: { userId: creator.userId, handle: creator.handle, displayName: creator.displayName, avatarUrl: mediaUrl(creator.avatarKey) },
  };
}

/** A list card: title, teaser and lock state only (no body at all). */
export function presentCard(
  post: ListFields,
  creator: CreatorFields,
  access: ViewerAccess | null,
  names: OfferNames | null = null,
): PostCard {
  const decision: Decision = access
    ? decide(access, gateOf(post))
    : post.visibility === "public"
      ? { allowed: true, need: null }
      : { allowed: false, need: "sign_in" };
  return card(post, creator, decision, listFieldsOf(post).teaser, names);
}

/** A list entry with its free preview (the feed): never the body, which lists don't read. */
export function presentListPost(post: ListFields, creator: CreatorFields, decision: Decision, names: OfferNames | null = null): PostView {
  const { teaser, previewMarkdown } = listFieldsOf(post);
  const hasPreview = previewMarkdown !== null;
  return {
    ...card(post, creator, decision, teaser, names),
    bodyHtml: null,
    previewHtml: !decision.allowed && previewMarkdown ? renderMarkdown(previewMarkdown) : null,
    hasPreview,
  };
}

/** A post body as readers with access get it — the one renderer (and sanitiser) for the page and the editor's preview. */
export function renderPostBody(markdown: string): string {
  return renderMarkdown(withoutMarker(markdown));
}

/**
 * The editor's live preview: the body exactly as the published page renders it for readers with
 * access, and what readers without access see (the free part before the paywall marker).
 */
export function previewPostBody(markdown: string) {
  const split = splitPaywall(markdown);
  return {
    html: renderPostBody(markdown),
    freeHtml: split.hasMarker ? renderMarkdown(split.preview) : null,
    hasMarker: split.hasMarker,
  };
}

/** The full view for one reader: body when allowed, else only the preview. */
export function presentPost(post: PostFields, creator: CreatorFields, decision: Decision, names: OfferNames | null = null): PostView {
  const split = splitPaywall(post.bodyMarkdown);
  const base = card(post, creator, decision, teaserOf(post), names);
  if (decision.allowed) {
    return {
      ...base,
      bodyHtml: renderPostBody(post.bodyMarkdown),
      previewHtml: null,
      hasPreview: split.hasMarker,
    };
  }
  return {
    ...base,
    bodyHtml: null,
    previewHtml: split.hasMarker && split.preview ? renderMarkdown(split.preview) : null,
    hasPreview: split.hasMarker,
  };
}
