import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AdminNav, when } from "~/components/admin-nav";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { requireAdmin } from "~/modules/admin/service.server";
import {
  getHiddenContent,
  getModerationQueue,
  moderateReport,
  unhideContent,
  type ModerationAction,
} from "~/modules/community/moderation.server";

export const meta: MetaFunction = () => [{ title: "Moderation — admin — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  return orRespond(async () => ({ reports: await getModerationQueue(env, viewer), hidden: await getHiddenContent(env, viewer) }));
}

const ACTIONS: ModerationAction[] = ["dismiss", "hide", "suspend"];

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return handleForm(async () => {
    requireAdmin(viewer);
    if (form.get("intent") === "unhide") {
      await unhideContent(
        context.cloudflare.env,
        viewer,
        String(form.get("targetType") ?? ""),
        String(form.get("targetId") ?? ""),
        String(form.get("reason") ?? ""),
      );
      return { ok: true as const, message: "Content visible again." };
    }
    const intent = String(form.get("intent") ?? "") as ModerationAction;
    if (!ACTIONS.includes(intent)) throw badRequest("Choose Dismiss, Hide or Suspend author.");
    await moderateReport(context.cloudflare.env, viewer, String(form.get("reportId") ?? ""), intent, String(form.get("reason") ?? ""));
    const done = {
      dismiss: "Report dismissed.",
      hide: "Content hidden; the report is closed.",
      suspend: "Author suspended; the report is closed.",
    };
    return { ok: true as const, message: done[intent] };
  });
}

export default function AdminModeration() {
  const { reports, hidden } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Moderation</h1>
      <AdminNav />
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result && result.ok ? <FormSuccess message={result.message} /> : null}
      <p className="text-sm text-slate-600">
        Open reports, oldest first. Hiding a comment or feedback item leaves it visible to its author only; hiding a post, app or profile
        takes it out of every public page, feed and search until you unhide it below; suspending the author hides all their content and ends
        their sessions (reversible under Users). Every action is logged.
      </p>
      {reports.length === 0 ? (
        <p className="text-sm text-slate-500">No open reports.</p>
      ) : (
        <ul className="space-y-3">
          {reports.map((r) => (
            <li key={r.id} className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm" data-report={r.id}>
              <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                <span>
                  <strong className="font-semibold">{r.reason.replace("_", " ")}</strong> · {r.target.label}
                  {r.author ? <> · by {r.author.name}</> : null}
                </span>
                <span className="text-xs text-slate-500">
                  reported by {r.reporterEmail} · {when(r.createdAt)}
                </span>
              </div>
              {r.target.excerpt ? (
                <blockquote className="mt-2 border-l-2 border-slate-300 pl-3 text-sm text-slate-700">{r.target.excerpt}</blockquote>
              ) : null}
              {r.note ? <p className="mt-2 text-sm text-slate-600">Note: {r.note}</p> : null}
              {r.target.link ? (
                <Link to={r.target.link} className="mt-1 inline-block text-sm text-brand-700 underline">
                  Open in context
                </Link>
              ) : null}
              <Form method="post" className="mt-3 flex flex-wrap gap-2">
                <input type="hidden" name="reportId" value={r.id} />
                <input
                  name="reason"
                  aria-label="Reason (logged)"
                  placeholder="Reason (logged)"
                  className="w-64 rounded-lg border border-slate-300 px-2 py-1 text-sm"
                />
                <Button name="intent" value="dismiss" variant="secondary" disabled={busy} className="px-3 py-1">
                  Dismiss
                </Button>
                {r.canHide ? (
                  <Button name="intent" value="hide" variant="secondary" disabled={busy} className="px-3 py-1">
                    Hide content
                  </Button>
                ) : null}
                {r.author ? (
                  <Button name="intent" value="suspend" variant="danger" disabled={busy} className="px-3 py-1">
                    Suspend author
                  </Button>
                ) : null}
              </Form>
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="hidden-h" className="space-y-2 pt-4">
        <h2 id="hidden-h" className="text-lg font-semibold">
          Hidden posts, apps and profiles
        </h2>
        {hidden.length === 0 ? (
          <p className="text-sm text-slate-500">Nothing is hidden.</p>
        ) : (
          <ul className="space-y-2">
            {hidden.map((h) => (
              <li
                key={`${h.type}:${h.id}`}
                data-hidden={`${h.type}:${h.id}`}
                className="flex flex-wrap items-center justify-between gap-2 rounded-xl border border-slate-200 bg-white p-3 text-sm shadow-sm"
              >
                <span>
                  {h.label || `${h.type} ${h.id}`} <span className="text-xs text-slate-500">· hidden {when(h.hiddenAt)}</span>
                </span>
                <Form method="post" className="flex flex-wrap gap-2">
                  <input type="hidden" name="targetType" value={h.type} />
                  <input type="hidden" name="targetId" value={h.id} />
                  <input
                    name="reason"
                    aria-label={`Reason for unhiding ${h.label || h.type} (logged)`}
                    placeholder="Reason (logged)"
                    className="w-56 rounded-lg border border-slate-300 px-2 py-1 text-sm"
                  />
                  <Button name="intent" value="unhide" variant="secondary" disabled={busy} className="px-3 py-1">
                    Unhide
                  </Button>
                </Form>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
