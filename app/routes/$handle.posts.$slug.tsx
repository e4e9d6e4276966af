import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Avatar } from "~/components/avatar";
import { AccessBadge, formatDate } from "~/components/post-card";
import { Icon } from "~/components/icons";
import { invariantResponse } from "~/lib/errors";
import { orRespond } from "~/lib/http.server";
import { getPostPage } from "~/modules/posts/pages.server";
import { useViewer } from "~/root";
import { CommentsSection } from "~/components/comments";
import { UploadedImage } from "~/components/uploaded-image";
import { hydrateOnIntent } from "~/lib/hydration";
import { OwnerItemStats } from "~/components/analytics/item-stats";

/** Anonymous visitors read this page without JavaScript until they interact (decision 0106). */
export const handle = hydrateOnIntent;

export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const raw = params.handle ?? "";
    invariantResponse(raw.startsWith("@") && raw.length > 1, "We couldn't find the page you were looking for.");
    // `shared`: a public post's signed-in page from the edge cache, rendered for no one (decision
    // 55); the header and the owner's Edit link then come from /viewer.json in the browser.
    return { ...(await getPostPage(context.cloudflare.env, context.viewer, raw.slice(1), params.slug ?? "")), shared: !!context.shared };
  });
}

/** Meta tags only ever use the public teaser — never gated text, whoever is reading. */
export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: "Post not found — All Thrive" }];
  const p = data.post;
  const title = `${p.title} — ${p.creator.displayName} on All Thrive`;
  return [
    { title },
    { name: "description", content: p.teaser },
    { property: "og:title", content: p.title },
    { property: "og:description", content: p.teaser },
    { property: "og:type", content: "article" },
    ...(p.coverUrl ? [{ property: "og:image", content: p.coverUrl }] : []),
    { name: "twitter:card", content: p.coverUrl ? "summary_large_image" : "summary" },
    {
      tagName: "link",
      rel: "alternate",
      type: "application/rss+xml",
      title: `${p.creator.displayName} on All Thrive`,
      href: `/@${p.creator.handle}/feed.xml`,
    },
  ];
};

export default function PostPage() {
  const { post, cta, shared, ...data } = useLoaderData<typeof loader>();
  const viewer = useViewer();
  const isOwner = shared
    ? !!viewer && (viewer.isAdmin || viewer.handle?.toLowerCase() === post.creator.handle.toLowerCase())
    : data.isOwner;
  // The 30-day stats panel is the creator's own (not an admin's): fetched in the browser, never cached.
  const statsOwner = !!viewer && viewer.handle?.toLowerCase() === post.creator.handle.toLowerCase();
  return (
    <article className="mx-auto max-w-3xl">
      {post.status !== "published" ? (
        <div role="status" className="mb-6 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          This is a {post.status} post — only you can see it.{" "}
          <Link to={`/dashboard/posts/${post.id}`} className="font-semibold underline">
            Edit or publish
          </Link>
        </div>
      ) : null}
      <header>
        <div className="flex flex-wrap items-center gap-3 text-sm text-slate-500">
          <Link to={`/@${post.creator.handle}`} className="flex items-center gap-2 font-medium text-slate-800 hover:text-brand-700">
            <Avatar url={post.creator.avatarUrl} name={post.creator.displayName} size={32} />
            {post.creator.displayName}
          </Link>
          {post.publishedAt ? <time dateTime={new Date(post.publishedAt * 1000).toISOString()}>{formatDate(post.publishedAt)}</time> : null}
          <AccessBadge visibility={post.visibility} label={post.visibilityLabel} locked={post.locked} offer={post.offer} />
          {isOwner ? (
            <Link
              to={`/dashboard/posts/${post.id}`}
              className="ml-auto rounded-md px-2 py-1 text-sm font-medium text-brand-700 ring-1 ring-brand-200 hover:bg-brand-50"
            >
              Edit
            </Link>
          ) : null}
        </div>
        <h1 className="mt-4 text-3xl font-bold tracking-tight text-slate-900 sm:text-4xl">{post.title}</h1>
        {post.coverUrl ? (
          <UploadedImage
            src={post.coverUrl}
            alt=""
            sizes="(min-width: 768px) 768px, 100vw"
            priority
            className="mt-6 max-h-[420px] w-full rounded-2xl object-cover"
          />
        ) : null}
      </header>

      {statsOwner ? (
        <div className="mt-6">
          <OwnerItemStats kind="post" id={post.id} />
        </div>
      ) : null}

      {post.bodyHtml ? (
        <div className="prose-at mt-8 text-[1.05rem]" dangerouslySetInnerHTML={{ __html: post.bodyHtml }} />
      ) : (
        <>
          {post.previewHtml ? (
            <div className="relative mt-8">
              <div data-preview className="prose-at text-[1.05rem]" dangerouslySetInnerHTML={{ __html: post.previewHtml }} />
              {/* The fade covers at most the last 4rem and never the first 3.5rem (about two lines): on a
                  one-line preview it has no height at all, so a short preview stays readable. */}
              <div
                data-preview-fade
                aria-hidden="true"
                className="pointer-events-none absolute inset-x-0 bottom-0 bg-gradient-to-b from-transparent to-slate-50"
                style={{ top: "max(calc(100% - 4rem), 3.5rem)" }}
              />
            </div>
          ) : post.teaser ? (
            <p className="mt-8 text-lg text-slate-600">{post.teaser}</p>
          ) : null}
          {cta ? (
            <section
              aria-labelledby="locked-h"
              className="mt-8 rounded-2xl border border-brand-200 bg-gradient-to-br from-brand-50 to-white p-6 text-center shadow-sm sm:p-8"
            >
              <span className="mx-auto inline-flex h-12 w-12 items-center justify-center rounded-full bg-white text-brand-700 ring-1 ring-brand-200">
                <Icon name="lock" />
              </span>
              <h2 id="locked-h" className="mt-3 text-xl font-semibold text-slate-900">
                Keep reading
              </h2>
              <p className="mx-auto mt-2 max-w-md text-slate-600">{cta.detail}</p>
              <Link
                to={cta.href}
                className="mt-5 inline-flex items-center justify-center rounded-lg bg-brand-600 px-5 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
              >
                {cta.label}
              </Link>
            </section>
          ) : null}
        </>
      )}

      <footer className="mt-12 flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 pt-6 text-sm text-slate-600">
        <Link to={`/@${post.creator.handle}#updates`} className="font-medium text-brand-700 hover:text-brand-900">
          ← More from {post.creator.displayName}
        </Link>
        <div className="flex items-center gap-3">
          <a href={`/@${post.creator.handle}/feed.xml`} className="hover:text-slate-900">
            RSS
          </a>
          {viewer ? (
            <Form method="post" action="/settings/email">
              <input type="hidden" name="intent" value="create-rss" />
              <input type="hidden" name="handle" value={post.creator.handle} />
              <button type="submit" className="hover:text-slate-900" title="A personal RSS link that includes the posts you can read">
                Private RSS
              </button>
            </Form>
          ) : null}
        </div>
      </footer>
      {/* Comments and reactions are fetched per viewer (decision 73): never part of this cacheable page. */}
      {post.status === "published" ? <CommentsSection type="post" id={post.id} /> : null}
    </article>
  );
}
