import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { Avatar } from "~/components/avatar";
import { EmptyState } from "~/components/empty-state";
import { AccessBadge, formatDate } from "~/components/post-card";
import { Icon } from "~/components/icons";
import { LinkList } from "~/components/link-list";
import { requireViewer } from "~/modules/identity/auth.server";
import { readFeed } from "~/pages/feed.server";

export const meta: MetaFunction = () => [{ title: "Your feed — All Thrive" }, { name: "robots", content: "noindex" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const cursor = new URL(request.url).searchParams.get("cursor");
  return readFeed(context.cloudflare.env, viewer.id, cursor, undefined, context.prefetched);
}

const APP_LABEL = { app_new: "New app", app_status: "App update" } as const;

export default function Feed() {
  const { entries, nextCursor } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Your feed</h1>
        <p className="mt-1 text-slate-600">Posts and app news from the builders you follow, newest first.</p>
      </div>
      {entries.length === 0 ? (
        <EmptyState icon="users" title="Your feed is empty">
          Follow builders from their storefronts and their updates will land here.{" "}
          <Link to="/" className="font-medium text-brand-700 underline">
            Find builders
          </Link>
        </EmptyState>
      ) : (
        <LinkList className="space-y-4" aria-label="Feed">
          {entries.map((e) =>
            e.kind === "post" ? (
              <li key={e.activityId}>
                <article className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
                  <div className="flex flex-wrap items-center gap-2 text-sm text-slate-500">
                    <a
                      href={`/@${e.post.creator.handle}`}
                      data-discover="true"
                      className="flex items-center gap-2 font-medium text-slate-800 hover:text-brand-700"
                    >
                      <Avatar url={e.post.creator.avatarUrl} name={e.post.creator.displayName} size={28} />
                      {e.post.creator.displayName}
                    </a>
                    <time dateTime={new Date(e.publishedAt * 1000).toISOString()}>{formatDate(e.publishedAt)}</time>
                    <AccessBadge
                      visibility={e.post.visibility}
                      label={e.post.visibilityLabel}
                      locked={e.post.locked}
                      offer={e.post.offer}
                    />
                  </div>
                  <h2 className="mt-2 text-xl font-semibold leading-snug text-slate-900">
                    <a href={e.post.url} data-discover="true" className="hover:text-brand-700">
                      {e.post.title}
                    </a>
                  </h2>
                  {e.post.locked && e.post.previewHtml ? (
                    <div className="prose-at mt-2 line-clamp-4 text-sm" dangerouslySetInnerHTML={{ __html: e.post.previewHtml }} />
                  ) : e.post.teaser ? (
                    <p className="mt-2 text-slate-600">{e.post.teaser}</p>
                  ) : null}
                  <div className="mt-3">
                    {e.post.locked ? (
                      <a
                        href={e.post.url}
                        data-discover="true"
                        className="inline-flex items-center gap-1.5 rounded-lg bg-brand-50 px-3 py-1.5 text-sm font-semibold text-brand-800 ring-1 ring-brand-200 hover:bg-brand-100"
                      >
                        <Icon name="lock" className="h-4 w-4" /> Unlock to read the rest
                      </a>
                    ) : (
                      <a href={e.post.url} data-discover="true" className="text-sm font-semibold text-brand-700 hover:text-brand-900">
                        Read post →
                      </a>
                    )}
                  </div>
                </article>
              </li>
            ) : (
              <li key={e.activityId}>
                <article className="flex items-start gap-3 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
                  <span className="inline-flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-brand-50 text-brand-700">
                    <Icon name="app" className="h-5 w-5" />
                  </span>
                  <div className="min-w-0">
                    <p className="text-sm text-slate-500">
                      <span className="font-medium text-brand-700">{APP_LABEL[e.kind]}</span> ·{" "}
                      <a href={`/@${e.creator.handle}`} data-discover="true" className="font-medium text-slate-800 hover:text-brand-700">
                        {e.creator.displayName}
                      </a>{" "}
                      · {formatDate(e.publishedAt)}
                    </p>
                    <h2 className="mt-1 font-semibold text-slate-900">
                      <a href={e.url} data-discover="true" className="hover:text-brand-700">
                        {e.title}
                      </a>
                    </h2>
                    {e.summary ? <p className="mt-1 text-sm text-slate-600">{e.summary}</p> : null}
                  </div>
                </article>
              </li>
            ),
          )}
        </LinkList>
      )}
      {nextCursor ? (
        <div className="text-center">
          <Link
            to={`/feed?cursor=${nextCursor}`}
            className="inline-flex rounded-lg bg-white px-4 py-2 text-sm font-semibold text-slate-800 shadow-sm ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Older posts
          </Link>
        </div>
      ) : null}
    </div>
  );
}
