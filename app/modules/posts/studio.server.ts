/** The creator's own view of their posts (dashboard). */
import type { Viewer } from "~/modules/identity/auth.server";
import { listOfferings } from "~/modules/content/offerings.server";
import { mediaUrl } from "~/modules/media/service.server";
import { listAllPostsOfCreator, offerNamesFor } from "./queries.server";
import { offerLabel, VISIBILITY_LABELS } from "./present.server";
import { requireCreator, requireOwnedPost } from "./service.server";

export async function listMyPosts(env: Env, viewer: Viewer) {
  const creator = await requireCreator(env, viewer);
  const rows = await listAllPostsOfCreator(env, creator.userId);
  const names = await offerNamesFor(
    env,
    rows.map((p) => ({ visibility: p.visibility, tierIds: p.tierIds ?? [], productId: p.productId })),
  );
  return {
    handle: creator.handle,
    posts: rows.map((p) => ({
      id: p.id,
      title: p.title,
      status: p.status,
      visibility: p.visibility,
      visibilityLabel: VISIBILITY_LABELS[p.visibility],
      /** Who it is for, naming the tier or product ("Members of Inner circle"), as readers' locks say. */
      offer: offerLabel({ visibility: p.visibility, tierIds: p.tierIds ?? [], productId: p.productId }, creator, names),
      publishAt: p.publishAt,
      publishedAt: p.publishedAt,
    })),
  };
}

export async function newPostForm(env: Env, viewer: Viewer) {
  const creator = await requireCreator(env, viewer);
  return { handle: creator.handle, offerings: await listOfferings(env, creator.userId) };
}

export async function editPostForm(env: Env, viewer: Viewer, postId: string) {
  const { post, creator } = await requireOwnedPost(env, viewer, postId);
  return {
    handle: creator.handle,
    offerings: await listOfferings(env, creator.userId),
    post: {
      id: post.id,
      title: post.title,
      slug: post.slug,
      excerpt: post.excerpt ?? "",
      body: post.bodyMarkdown,
      visibility: post.visibility,
      tierIds: post.tierIds,
      productId: post.productId,
      appId: post.appId,
      coverUrl: mediaUrl(post.coverKey),
      status: post.status,
      publishAt: post.publishAt,
      url: `/@${creator.handle}/posts/${post.slug}`,
    },
  };
}
