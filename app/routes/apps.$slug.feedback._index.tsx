import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { VoteButton } from "~/components/feedback";
import { Button, FormError } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { clientIp, handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { fileFeedback, getBoard, voteFeedback } from "~/modules/community/feedback.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  return orRespond(() =>
    getBoard(context.cloudflare.env, context.viewer, params.slug ?? "", {
      sort: url.searchParams.get("sort"),
      status: url.searchParams.get("status"),
    }),
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Feedback for ${data.app.name} — All Thrive` : "Feedback — All Thrive" },
];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  const slug = params.slug ?? "";
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    if (form.intent === "file") {
      const { id } = await fileFeedback(env, context.viewer, slug, form, clientIp(request));
      return redirect(`/apps/${slug}/feedback/${id}`, { status: 303 });
    }
    if (form.intent === "vote" || form.intent === "unvote")
      return {
        ok: true as const,
        ...(await voteFeedback(env, context.viewer, slug, String(form.itemId ?? ""), form.intent === "vote", clientIp(request))),
      };
    throw badRequest("Unknown action.");
  });
}

const KIND_LABEL = { idea: "Idea", bug: "Bug", question: "Question" } as const;

export default function FeedbackBoard() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <Link to={`/apps/${d.app.slug}`} className="text-sm font-medium text-brand-700">
        ← {d.app.name}
      </Link>
      <h1 className="text-2xl font-bold tracking-tight">Feedback for {d.app.name}</h1>
      <nav aria-label="Filter" className="flex flex-wrap gap-2 text-sm">
        <Link to={`?sort=top${d.status ? `&status=${d.status}` : ""}`} className={d.sort === "top" ? "font-semibold" : "text-slate-500"}>
          Most upvoted
        </Link>
        <Link to={`?sort=new${d.status ? `&status=${d.status}` : ""}`} className={d.sort === "new" ? "font-semibold" : "text-slate-500"}>
          Newest
        </Link>
        <span className="text-slate-300">|</span>
        <Link to={`?sort=${d.sort}`} className={!d.status ? "font-semibold" : "text-slate-500"}>
          All
        </Link>
        {d.statuses.map((s) => (
          <Link
            key={s.value}
            to={`?sort=${d.sort}&status=${s.value}`}
            className={d.status === s.value ? "font-semibold" : "text-slate-500"}
          >
            {s.label}
          </Link>
        ))}
      </nav>
      {d.signedIn ? (
        <Form method="post" className="space-y-2 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm" data-feedback-form>
          <input type="hidden" name="intent" value="file" />
          <div className="flex flex-wrap gap-2">
            <select name="kind" aria-label="Kind" className="rounded-lg border border-slate-300 px-2 py-1.5 text-sm">
              <option value="idea">Idea</option>
              <option value="bug">Bug</option>
              <option value="question">Question</option>
            </select>
            <input
              name="title"
              required
              minLength={4}
              maxLength={140}
              placeholder="Title"
              aria-label="Title"
              className="min-w-0 flex-1 rounded-lg border border-slate-300 px-3 py-1.5"
            />
          </div>
          <textarea
            name="body"
            rows={3}
            maxLength={5000}
            placeholder="Details (optional, Markdown)"
            aria-label="Details"
            className="w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
          />
          {result && "ok" in result && result.ok === false ? <FormError message={result.formError} /> : null}
          <Button disabled={busy}>Post feedback</Button>
        </Form>
      ) : (
        <p className="text-sm text-slate-600">
          <Link to={`/login?redirectTo=/apps/${d.app.slug}/feedback`} className="font-medium text-brand-700 underline">
            Sign in
          </Link>{" "}
          to post feedback and vote.
        </p>
      )}
      {d.items.length === 0 ? (
        <p className="text-sm text-slate-500">No feedback yet. Be the first!</p>
      ) : (
        <ul className="space-y-3">
          {d.items.map((i) => (
            <li key={i.id} className="flex gap-4 rounded-2xl border border-slate-200 bg-white p-4 shadow-sm" data-feedback-item={i.id}>
              <VoteButton itemId={i.id} votes={i.votes} voted={i.voted} signedIn={d.signedIn} />
              <div className="min-w-0">
                <Link to={`/apps/${d.app.slug}/feedback/${i.id}`} className="font-semibold text-slate-900 hover:text-brand-700">
                  {i.title}
                </Link>
                <div className="mt-1 flex flex-wrap gap-2 text-xs text-slate-500">
                  <span className="rounded bg-slate-100 px-1.5 py-0.5">{KIND_LABEL[i.kind]}</span>
                  <span className="rounded bg-brand-50 px-1.5 py-0.5 text-brand-800" data-status={i.status}>
                    {i.statusLabel}
                  </span>
                  {i.hidden ? <span>Hidden — only you can see it</span> : null}
                  <span>by {i.author.name}</span>
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
