import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { AccessBadge, formatDate } from "~/components/post-card";
import { formatDateTime } from "~/lib/dates";
import { orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { listMyPosts } from "~/modules/posts/studio.server";

export const meta: MetaFunction = () => [{ title: "Your posts — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => listMyPosts(context.cloudflare.env, viewer));
}

const STATUS_STYLE: Record<string, string> = {
  draft: "bg-slate-100 text-slate-700",
  scheduled: "bg-sky-50 text-sky-800 ring-1 ring-sky-200",
  published: "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200",
};

export default function MyPosts() {
  const { posts, handle } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Your posts</h1>
          <p className="mt-1 text-slate-600">
            Updates, build logs and tutorials on{" "}
            <Link to={`/@${handle}`} className="text-brand-700">
              @{handle}
            </Link>
            .
          </p>
        </div>
        <Link
          to="/dashboard/posts/new"
          className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
        >
          New post
        </Link>
      </div>
      {posts.length === 0 ? (
        <EmptyState icon="pen" title="No posts yet">
          Write your first update — your followers will see it in their feed.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
          {posts.map((p) => (
            <li key={p.id} className="flex flex-wrap items-center gap-3 px-4 py-3">
              <Link to={`/dashboard/posts/${p.id}`} className="min-w-0 flex-1 font-medium text-slate-900 hover:text-brand-700">
                {p.title}
              </Link>
              <AccessBadge visibility={p.visibility} label={p.visibilityLabel} offer={p.offer} locked={false} audience />
              <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[p.status]}`}>
                {p.status === "scheduled" && p.publishAt
                  ? `Scheduled ${formatDateTime(p.publishAt)}`
                  : p.status === "published"
                    ? `Published ${formatDate(p.publishedAt)}`
                    : "Draft"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
