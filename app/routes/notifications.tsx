import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useFetcher, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { formatDate } from "~/components/post-card";
import { Button } from "~/components/ui/form";
import { requireViewer } from "~/modules/identity/auth.server";
import { handleForm } from "~/lib/http.server";
import {
  listNotifications,
  markAllRead,
  markRead,
  openNotification,
  parseNotificationCursor,
  type NotificationEntry,
} from "~/modules/notifications/service.server";
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
  if (form.get("intent") === "read") {
    // A click on a notification's link (the link itself navigates): it, or its whole group, is read.
    return handleForm(async () => {
      await markRead(env, viewer.id, { id: String(form.get("id") ?? ""), group: form.get("group") ? String(form.get("group")) : null });
      return { ok: true as const };
    });
  }
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
  comment_reply: "Reply",
  new_comment: "New comment",
  mention: "Mention",
  new_feedback: "New feedback",
  feedback_status: "Feedback update",
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
            <Button type="submit" variant="secondary">
              Mark all read
            </Button>
          </Form>
        ) : null}
      </div>
      {items.length === 0 ? (
        <EmptyState icon="bell" title="Nothing new">
          New posts from builders you follow, new followers and sales show up here.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
          {items.map((n) => (
            <NotificationItem key={n.id} n={n} />
          ))}
        </ul>
      )}
      {next ? (
        <div className="text-center">
          <Link to={`/notifications?before=${next}`} className="text-sm font-semibold text-brand-700">
            Older
          </Link>
        </div>
      ) : null}
    </div>
  );
}

/** One line: a real link to its subject; following it marks it (or its group) read. */
function NotificationItem({ n }: { n: NotificationEntry }) {
  const fetcher = useFetcher();
  const unread = n.unread && fetcher.state === "idle" && !fetcher.data;
  const body = (
    <>
      <span aria-hidden="true" className={`mt-2 h-2 w-2 shrink-0 rounded-full ${unread ? "bg-brand-600" : "bg-transparent"}`} />
      <span className="min-w-0 flex-1">
        <span className="flex items-center gap-2 text-xs font-medium uppercase tracking-wide text-slate-500">
          {KIND_LABEL[n.kind] ?? n.kind}
          {n.count > 1 ? (
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-[11px] font-semibold normal-case tracking-normal text-slate-700">
              {n.count}
            </span>
          ) : null}
          {unread ? <span className="sr-only"> (unread)</span> : null}
        </span>
        <span className={`block text-slate-900 ${unread ? "font-semibold" : ""}`}>
          {n.message}
          {n.expired ? <span className="font-normal text-slate-500"> (expired)</span> : null}
        </span>
        {n.detail ? <span className="block text-sm text-slate-600">{n.detail}</span> : null}
        <span className="block text-xs text-slate-500">{formatDate(n.createdAt)}</span>
      </span>
      {n.link ? (
        <span aria-hidden="true" className="mt-2 text-slate-400">
          ›
        </span>
      ) : null}
    </>
  );
  const cls = `flex w-full items-start gap-3 px-4 py-3 text-left ${unread ? "bg-brand-50/50" : ""}`;
  return (
    <li>
      {n.link ? (
        <Link
          to={n.link}
          className={`${cls} hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-brand-600`}
          onClick={() => {
            if (n.unread)
              fetcher.submit({ intent: "read", id: n.id, group: n.groupKey ?? "" }, { method: "post", action: "/notifications" });
          }}
        >
          {body}
        </Link>
      ) : (
        <div className={cls}>{body}</div>
      )}
    </li>
  );
}
