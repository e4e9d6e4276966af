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
  offer?: string | null;
  locked: boolean;
  publishedAt: number | null;
  creator?: { handle: string; displayName: string };
};

/** Dates come from the one helper (UTC); re-exported for the pages that show post dates. */
export { formatDate } from "~/lib/dates";
import { formatDate } from "~/lib/dates";
import { UploadedImage } from "~/components/uploaded-image";

/**
 * A gated post's badge for this reader: a lock naming the offer that unlocks it ("Members of Inner
 * circle", "Buyers of Booking-bot kit"), or "Unlocked" when they may read it. Nothing for public posts.
 */
export function AccessBadge({
  visibility,
  label,
  locked,
  offer,
  audience = false,
}: {
  visibility: string;
  label: string;
  locked: boolean;
  offer?: string | null;
  /** The creator's own lists: say who the post is for, not whether they may read it. */
  audience?: boolean;
}) {
  if (visibility === "public") return null;
  const who = offer ?? label;
  if (audience)
    return (
      <span className="inline-flex shrink-0 items-center gap-1 rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-slate-200">
        <Icon name="lock" className="h-3.5 w-3.5" />
        {who}
      </span>
    );
  return (
    <span
      data-lock={locked ? "locked" : "unlocked"}
      className={`inline-flex shrink-0 items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${locked ? "bg-amber-50 text-amber-800 ring-1 ring-amber-200" : "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200"}`}
      title={locked ? `For ${who} — locked` : `For ${who} — you have access`}
    >
      {locked ? (
        <>
          <Icon name="lock" className="h-3.5 w-3.5" />
          {who}
          <span className="sr-only"> (locked)</span>
        </>
      ) : (
        <>
          Unlocked<span className="sr-only"> — for {who} (you have access)</span>
        </>
      )}
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
          <AccessBadge visibility={post.visibility} label={post.visibilityLabel} locked={post.locked} offer={post.offer} />
        </div>
        <h3 className="mt-1 text-lg font-semibold leading-snug text-slate-900">
          <Link to={post.url} className="hover:text-brand-700">
            {post.title}
          </Link>
        </h3>
        {post.teaser ? <p className="mt-1 line-clamp-2 text-sm text-slate-600">{post.teaser}</p> : null}
      </div>
      {post.coverUrl ? (
        <UploadedImage src={post.coverUrl} alt="" sizes="112px" className="hidden h-20 w-28 shrink-0 rounded-lg object-cover sm:block" />
      ) : null}
    </article>
  );
}
