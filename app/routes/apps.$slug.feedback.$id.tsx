import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { CommentsSection, ReportButton } from "~/components/comments";
import { VoteButton } from "~/components/feedback";
import { FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { clientIp, handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { getFeedbackItem, mergeFeedback, setFeedbackStatus, voteFeedback } from "~/modules/community/feedback.server";

export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(() => getFeedbackItem(context.cloudflare.env, context.viewer, params.slug ?? "", params.id ?? ""));
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.item.title} — ${data.app.name} feedback` : "Feedback — All Thrive" },
];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  const slug = params.slug ?? "";
  const id = params.id ?? "";
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    switch (form.intent) {
      case "vote":
      case "unvote":
        return {
          ok: true as const,
          message: "",
          ...(await voteFeedback(env, context.viewer, slug, id, form.intent === "vote", clientIp(request))),
        };
      case "status": {
        const r = await setFeedbackStatus(env, context.viewer, slug, id, form);
        return { ok: true as const, message: `Status set to ${r.status.replace("_", " ")}; voters were notified.` };
      }
      case "merge": {
        const r = await mergeFeedback(env, context.viewer, slug, id, String(form.keepId ?? ""));
        return redirect(`/apps/${slug}/feedback/${r.keptId}`, { status: 303 });
      }
      default:
        throw badRequest("Unknown action.");
    }
  });
}

export default function FeedbackItemPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const i = d.item;
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <Link to={`/apps/${d.app.slug}/feedback`} className="text-sm font-medium text-brand-700">
        ← Feedback for {d.app.name}
      </Link>
      {i.mergedInto ? (
        <p role="status" className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900">
          This was merged into{" "}
          <Link to={`/apps/${d.app.slug}/feedback/${i.mergedInto}`} className="underline">
            another item
          </Link>
          ; its votes moved there.
        </p>
      ) : null}
      <div className="flex gap-4">
        {i.mergedInto ? null : <VoteButton itemId={i.id} votes={i.votes} voted={i.voted} signedIn={d.signedIn} />}
        <div className="min-w-0 space-y-2">
          <h1 className="text-2xl font-bold tracking-tight">{i.title}</h1>
          <div className="flex flex-wrap gap-2 text-xs text-slate-500">
            <span className="rounded bg-slate-100 px-1.5 py-0.5">{i.kind}</span>
            <span className="rounded bg-brand-50 px-1.5 py-0.5 text-brand-800" data-status={i.status}>
              {i.statusLabel}
            </span>
            <span>by {i.author.name}</span>
            {d.signedIn ? <ReportButton targetType="feedback" targetId={i.id} /> : null}
          </div>
          {i.bodyHtml ? <div className="prose-at text-sm" dangerouslySetInnerHTML={{ __html: i.bodyHtml }} /> : null}
        </div>
      </div>
      {result && result.ok === false ? <FormError message={result.formError} /> : null}
      {result && result.ok && result.message ? <FormSuccess message={result.message} /> : null}
      {d.isMaker && !i.mergedInto ? (
        <div className="flex flex-wrap gap-4 rounded-2xl border border-slate-200 bg-white p-4 text-sm shadow-sm">
          <Form method="post" className="flex items-center gap-2">
            <input type="hidden" name="intent" value="status" />
            <label>
              Status{" "}
              <select name="status" defaultValue={i.status} className="rounded border border-slate-300 px-1 py-0.5">
                {d.statuses.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="font-medium text-brand-700">
              Set status
            </button>
          </Form>
          {d.mergeTargets.length ? (
            <Form method="post" className="flex items-center gap-2">
              <input type="hidden" name="intent" value="merge" />
              <label>
                Duplicate of{" "}
                <select name="keepId" className="max-w-56 rounded border border-slate-300 px-1 py-0.5">
                  {d.mergeTargets.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.title}
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" className="font-medium text-brand-700">
                Merge
              </button>
            </Form>
          ) : null}
        </div>
      ) : null}
      <CommentsSection type="feedback" id={i.id} />
    </div>
  );
}
