import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { AdminNav } from "~/components/admin-nav";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest, forbidden } from "~/lib/errors";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { lastErrorFor } from "~/modules/payments/webhooks.server";
import { discardDeadLetter, listDeadLetters, retryDeadLetter } from "~/modules/queues/dead-letters.server";

export const meta: MetaFunction = () => [{ title: "Dead letters — admin — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(async () => {
    if (!viewer.isAdmin) throw forbidden("Admins only.");
    const env = context.cloudflare.env;
    const list = await listDeadLetters(env);
    const errors = await lastErrorFor(
      env,
      list.items.map((i) => i.eventId).filter((x): x is string => !!x),
    );
    return { ...list, items: list.items.map((i) => ({ ...i, lastError: i.eventId ? (errors.get(i.eventId) ?? null) : null })) };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = await request.formData();
  const id = String(form.get("id") ?? "");
  const intent = form.get("intent");
  return handleForm(async () => {
    if (!viewer.isAdmin) throw forbidden("Admins only.");
    if (!id) throw badRequest("Choose a message to retry or discard.");
    if (intent === "retry") {
      const r = await retryDeadLetter(env, viewer, id);
      return { ok: true as const, message: `Sent back to ${r.queue}; it runs once more.` };
    }
    if (intent === "discard") {
      await discardDeadLetter(env, viewer, id);
      return { ok: true as const, message: "Discarded: marked handled, not run again." };
    }
    throw badRequest("Unknown action: use Retry or Discard.");
  });
}

export default function DeadLetters() {
  const { items, total, open } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Dead letters</h1>
      <AdminNav />
      <p className="text-slate-600">
        Queue messages that failed every retry, from every queue: {open} open, {total} in total. Fix the cause, then <strong>Retry</strong>{" "}
        sends the message back to its original queue once; <strong>Discard</strong> marks it handled without running it. Both are recorded
        with your name and the time.
      </p>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result && result.ok ? <FormSuccess message={result.message} /> : null}
      {items.length === 0 ? (
        <EmptyState icon="refresh" title="Nothing dead-lettered">
          Every message was processed.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full min-w-[820px] text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="px-3 py-2">When</th>
                <th className="px-3">Queue</th>
                <th className="px-3">Message</th>
                <th className="px-3">Attempts</th>
                <th className="px-3">Last error</th>
                <th className="px-3">Action</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((d) => (
                <tr key={d.id} className={d.outcome ? "text-slate-400" : undefined}>
                  <td className="px-3 py-2 whitespace-nowrap">
                    {new Date(d.createdAt * 1000).toISOString().replace("T", " ").slice(0, 16)}
                  </td>
                  <td className="px-3">{d.queue}</td>
                  <td className="px-3">
                    {d.eventType}
                    {d.eventId ? <div className="font-mono text-xs">{d.eventId}</div> : null}
                    <div className="text-xs text-slate-500">{d.summary}</div>
                  </td>
                  <td className="px-3">{d.attempts}</td>
                  <td className="px-3 text-rose-700">{d.lastError ?? "—"}</td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    {d.outcome ? (
                      <span className="capitalize">
                        {d.outcome}
                        {d.handledAt ? ` ${new Date(d.handledAt * 1000).toISOString().replace("T", " ").slice(0, 16)}` : ""}
                      </span>
                    ) : (
                      <Form method="post" className="flex gap-2">
                        <input type="hidden" name="id" value={d.id} />
                        <Button name="intent" value="retry" variant="secondary" disabled={busy} className="px-3 py-1">
                          Retry
                        </Button>
                        <Button name="intent" value="discard" variant="danger" disabled={busy} className="px-3 py-1">
                          Discard
                        </Button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
