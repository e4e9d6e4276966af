import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { formatDate } from "~/components/post-card";
import { Button } from "~/components/ui/form";
import { requireViewer } from "~/modules/identity/auth.server";
import { listNotifications, markAllRead, openNotification, parseNotificationCursor } from "~/modules/notifications/service.server";
import { safeRedirect } from "~/lib/redirects";
import { orRespond } from "~/lib/http.server";

export const meta: MetaFunction = () => [{ title: "Notifications — All Thrive" }, { name: "robots", content: "noindex" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const cursor = parseNotificationCursor(new URL(request.url).searchParams.get("before"));
  return listNotifications(context.cloudflare.env, viewer.id, cursor);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const env = context.cloudflare.env;
  if (form.get("intent") === "open") {
    const url = await orRespond(() => openNotification(env, viewer.id, String(form.get("id") ?? "")));
    return redirect(safeRedirect(url ?? "/notifications", "/notifications"));
  }
  await markAllRead(env, viewer.id);
  return redirect("/notifications");
}

const KIND_LABEL: Record<string, string> = {
  new_post: "New post",
  new_follower: "New follower",
  new_subscriber: "New subscriber",
  new_purchase: "New sale",
  waitlist_offer: "A seat is free",
};

export default function Notifications() {
  const { items, next } = useLoaderData<typeof loader>();
  const unread = items.some((n) => n.unread);
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">Notifications</h1>
        {unread ? (
          <Form method="post">
            <input type="hidden" name="intent" value="read-all" />
            <Button type="submit" variant="secondary">Mark all as read</Button>
          </Form>
        ) : null}
      </div>
      {items.length === 0 ? (
        <EmptyState icon="bell" title="Nothing new">New posts from builders you follow, new followers and sales show up here.</EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
          {items.map((n) => (
            <li key={n.id}>
              <Form method="post" className="contents">
                <input type="hidden" name="intent" value="open" />
                <input type="hidden" name="id" value={n.id} />
                <button type="submit" className={`flex w-full items-start gap-3 px-4 py-3 text-left hover:bg-slate-50 ${n.unread ? "bg-brand-50/50" : ""}`}>
                  <span aria-hidden="true" className={`mt-2 h-2 w-2 shrink-0 rounded-full ${n.unread ? "bg-brand-600" : "bg-transparent"}`} />
                  <span className="min-w-0 flex-1">
                    <span className="block text-xs font-medium uppercase tracking-wide text-slate-500">{KIND_LABEL[n.kind] ?? n.kind}{n.unread ? <span className="sr-only"> (unread)</span> : null}</span>
                    <span className="block text-slate-900">{n.message}{n.expired ? <span className="text-slate-500"> (expired)</span> : null}</span>
                    <span className="block text-xs text-slate-500">{formatDate(n.createdAt)}</span>
                  </span>
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      {next ? (
        <div className="text-center">
          <Link to={`/notifications?before=${next}`} className="text-sm font-semibold text-brand-700">Older</Link>
        </div>
      ) : null}
    </div>
  );
}
