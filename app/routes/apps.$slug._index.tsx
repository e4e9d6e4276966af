import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { AppLogo, StatusBadge } from "~/components/app-card";
import { Avatar } from "~/components/avatar";
import { FollowButton } from "~/components/follow-button";
import { invariantResponse } from "~/lib/errors";
import { orRespond } from "~/lib/http.server";
import { movedPermanently } from "~/lib/redirects";
import { getAppPage } from "~/modules/apps/queries.server";
import { appPosts } from "~/modules/posts/pages.server";
import { PostCard } from "~/components/post-card";
import { CommentsSection } from "~/components/comments";
import { ScreenshotGallery } from "~/components/screenshot-lightbox";
import { hydrateOnIntent } from "~/lib/hydration";
import { OwnerItemStats } from "~/components/analytics/item-stats";

/** Anonymous visitors read this page without JavaScript until they interact (decision 0106). */
export const handle = hydrateOnIntent;

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const slug = params.slug ?? "";
    const page = await getAppPage(context.cloudflare.env, slug, context.viewer);
    invariantResponse(page, "We couldn't find that app. It may have been renamed or removed.");
    if ("movedTo" in page) throw movedPermanently(request, slug, page.movedTo);
    const posts = await appPosts(context.cloudflare.env, context.viewer?.id ?? null, page.app.id);
    return { ...page, signedIn: !!context.viewer, posts };
  });
}

export const meta: MetaFunction<typeof loader> = ({ data }) => {
  if (!data) return [{ title: "App not found — All Thrive" }];
  const title = `${data.app.name} by ${data.creator.displayName} — All Thrive`;
  const description = data.app.tagline || data.app.descriptionExcerpt;
  return [
    { title },
    { name: "description", content: description },
    { property: "og:title", content: title },
    { property: "og:description", content: description },
    ...(data.app.logoUrl ? [{ property: "og:image", content: data.app.logoUrl }] : []),
  ];
};

export default function AppPage() {
  const { app, creator, viewerFollows, canEdit, isOwner, signedIn, posts } = useLoaderData<typeof loader>();
  return (
    <article className="space-y-10">
      <header className="flex flex-col gap-6 rounded-3xl border border-slate-200 bg-white p-6 shadow-sm sm:flex-row sm:items-start sm:p-8">
        <AppLogo url={app.logoUrl} name={app.name} size={88} priority />
        <div className="min-w-0 flex-1 space-y-3">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">{app.name}</h1>
            <StatusBadge status={app.status} />
            {!app.published ? <span className="rounded-md bg-slate-800 px-2 py-0.5 text-xs font-medium text-white">Draft</span> : null}
          </div>
          {app.tagline ? <p className="text-lg text-slate-600">{app.tagline}</p> : null}
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <Link
              to={`/discover?category=${app.category.slug}`}
              className="rounded-md bg-brand-50 px-2 py-1 font-medium text-brand-800 hover:bg-brand-100"
            >
              {app.category.name}
            </Link>
            {app.techStack.length ? (
              <ul className="flex flex-wrap gap-1.5" aria-label="Tech stack">
                {app.techStack.map((t) => (
                  <li key={t} className="rounded-md bg-slate-100 px-2 py-1 text-slate-700">
                    {t}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </div>
        <div className="flex shrink-0 flex-wrap gap-2 sm:flex-col">
          {app.status !== "coming_soon" ? (
            <a
              href={`/apps/${app.slug}/try`}
              rel="nofollow noopener"
              target="_blank"
              className="inline-flex items-center justify-center rounded-lg bg-brand-600 px-5 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
            >
              Try it
              <svg aria-hidden="true" viewBox="0 0 20 20" className="ml-1.5 h-4 w-4" fill="currentColor">
                <path d="M11 3h6v6h-2V6.4l-6.3 6.3-1.4-1.4L13.6 5H11V3zM4 5h5v2H5v8h8v-4h2v6H3V5h1z" />
              </svg>
            </a>
          ) : (
            <span className="inline-flex items-center justify-center rounded-lg bg-slate-100 px-5 py-2.5 text-sm font-semibold text-slate-600">
              Coming soon
            </span>
          )}
          {canEdit ? (
            <Link
              to={`/apps/${app.slug}/edit`}
              className="inline-flex items-center justify-center rounded-lg bg-white px-5 py-2.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Edit app
            </Link>
          ) : null}
        </div>
      </header>

      {isOwner ? <OwnerItemStats kind="app" id={app.id} /> : null}

      {app.screenshots.length ? (
        <section aria-labelledby="shots-h" className="space-y-3">
          <h2 id="shots-h" className="text-xl font-semibold tracking-tight">
            Screenshots
          </h2>
          <ScreenshotGallery shots={app.screenshots} appName={app.name} />
        </section>
      ) : null}

      <div className="grid gap-10 lg:grid-cols-3">
        <div className="space-y-8 lg:col-span-2">
          {app.video ? (
            <section aria-labelledby="video-h" className="space-y-3">
              <h2 id="video-h" className="text-xl font-semibold tracking-tight">
                Demo
              </h2>
              <div className="aspect-video overflow-hidden rounded-xl border border-slate-200 bg-slate-900">
                <iframe
                  src={app.video.embedUrl}
                  title={`${app.name} demo video (${app.video.provider})`}
                  className="h-full w-full"
                  loading="lazy"
                  allow="fullscreen; picture-in-picture; encrypted-media"
                  referrerPolicy="strict-origin-when-cross-origin"
                  sandbox="allow-scripts allow-same-origin allow-presentation allow-popups"
                />
              </div>
            </section>
          ) : null}
          <section aria-labelledby="about-h" className="space-y-3">
            <h2 id="about-h" className="text-xl font-semibold tracking-tight">
              About
            </h2>
            {app.descriptionHtml ? (
              <div className="prose-at max-w-none" dangerouslySetInnerHTML={{ __html: app.descriptionHtml }} />
            ) : (
              <p className="text-slate-600">No description yet.</p>
            )}
          </section>
          {posts.length ? (
            <section aria-labelledby="posts-h" className="space-y-3">
              <h2 id="posts-h" className="text-xl font-semibold tracking-tight">
                Updates about {app.name}
              </h2>
              {posts.map((p) => (
                <PostCard key={p.id} post={p} />
              ))}
            </section>
          ) : null}
          {/* Community (decision 73): the board link is static; the thread is fetched per viewer. */}
          <p>
            <Link
              to={`/apps/${app.slug}/feedback`}
              className="text-sm font-semibold text-brand-700 hover:text-brand-900"
              data-feedback-link
            >
              Feedback board: ideas, bugs and questions →
            </Link>
          </p>
          {app.published ? <CommentsSection type="app" id={app.id} /> : null}
        </div>
        <aside aria-labelledby="maker-h" className="h-fit space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="maker-h" className="text-sm font-semibold uppercase tracking-wide text-slate-500">
            Made by
          </h2>
          <Link to={`/@${creator.handle}`} className="flex items-center gap-3">
            <Avatar url={creator.avatarUrl} name={creator.displayName} size={48} />
            <div className="min-w-0">
              <p className="truncate font-semibold text-slate-900">{creator.displayName}</p>
              <p className="text-sm text-slate-500">@{creator.handle}</p>
            </div>
          </Link>
          <FollowButton
            handle={creator.handle}
            following={viewerFollows}
            count={creator.followerCount}
            signedIn={signedIn}
            isSelf={isOwner}
          />
        </aside>
      </div>
    </article>
  );
}
