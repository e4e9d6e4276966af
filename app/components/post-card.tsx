import { Link } from "@remix-run/react";
import { Icon } from "./icons";

export type PostCardData = {
  id: string;
  title: string;
  url: string;
  teaser: string;
  coverUrl: string | null;
  visibility: string;
  visibilityLabel: string;
  locked: boolean;
  publishedAt: number | null;
  creator?: { handle: string; displayName: string };
};

/** Dates come from the one helper (UTC); re-exported for the pages that show post dates. */
export { formatDate } from "~/lib/dates";
import { formatDate } from "~/lib/dates";

/** "Followers", "Paid subscribers"… with a lock when the reader can't read it all. */
export function AccessBadge({ visibility, label, locked }: { visibility: string; label: string; locked: boolean }) {
  if (visibility === "public") return null;
  return (
    <span
      className={`inline-flex shrink-0 items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${locked ? "bg-amber-50 text-amber-800 ring-1 ring-amber-200" : "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200"}`}
      title={locked ? `For ${label.toLowerCase()} — locked` : `For ${label.toLowerCase()}`}
    >
      <Icon name="lock" className="h-3.5 w-3.5" />
      {label}
      <span className="sr-only">{locked ? " (locked)" : " (you have access)"}</span>
    </span>
  );
}

export function PostCard({ post, showCreator = false }: { post: PostCardData; showCreator?: boolean }) {
  return (
    <article className="flex gap-4 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm transition hover:border-brand-200 sm:p-5">
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
          {showCreator && post.creator ? (
            <Link to={`/@${post.creator.handle}`} className="font-medium text-slate-700 hover:text-brand-700">
              {post.creator.displayName}
            </Link>
          ) : null}
          {post.publishedAt ? <time dateTime={new Date(post.publishedAt * 1000).toISOString()}>{formatDate(post.publishedAt)}</time> : null}
          <AccessBadge visibility={post.visibility} label={post.visibilityLabel} locked={post.locked} />
        </div>
        <h3 className="mt-1 text-lg font-semibold leading-snug text-slate-900">
          <Link to={post.url} className="hover:text-brand-700">
            {post.title}
          </Link>
        </h3>
        {post.teaser ? <p className="mt-1 line-clamp-2 text-sm text-slate-600">{post.teaser}</p> : null}
      </div>
      {post.coverUrl ? (
        <img src={post.coverUrl} alt="" className="hidden h-20 w-28 shrink-0 rounded-lg object-cover sm:block" loading="lazy" />
      ) : null}
    </article>
  );
}
