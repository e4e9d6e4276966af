import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { forbidden } from "~/lib/errors";
import { orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { lastErrorFor, listDeadLetters } from "~/modules/payments/webhooks.server";

export const meta: MetaFunction = () => [{ title: "Dead letters — admin — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(async () => {
    if (!viewer.isAdmin) throw forbidden("Admins only.");
    const env = context.cloudflare.env;
    const list = await listDeadLetters(env);
    const errors = await lastErrorFor(env, list.items.map((i) => i.eventId).filter((x): x is string => !!x));
    return { ...list, items: list.items.map((i) => ({ ...i, lastError: i.eventId ? errors.get(i.eventId) ?? null : null })) };
  });
}

export default function DeadLetters() {
  const { items, total } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Dead letters</h1>
      <p className="text-slate-600">Queue messages that failed every retry. {total} in total. Fix the cause, then replay the event from Stripe (Dashboard → Events → Resend) — the app applies it once.</p>
      {items.length === 0 ? <EmptyState icon="sprout" title="Nothing dead-lettered">Every message was processed.</EmptyState> : (
        <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
          <table className="w-full min-w-[720px] text-left text-sm">
            <thead className="text-xs uppercase text-slate-500"><tr><th className="px-3 py-2">When</th><th className="px-3">Queue</th><th className="px-3">Event</th><th className="px-3">Type</th><th className="px-3">Attempts</th><th className="px-3">Last error</th></tr></thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((d) => (
                <tr key={d.id}>
                  <td className="px-3 py-2 whitespace-nowrap">{new Date(d.createdAt * 1000).toISOString().replace("T", " ").slice(0, 16)}</td>
                  <td className="px-3">{d.queue}</td>
                  <td className="px-3 font-mono text-xs">{d.eventId}</td>
                  <td className="px-3">{d.eventType}<div className="text-xs text-slate-500">{d.summary}</div></td>
                  <td className="px-3">{d.attempts}</td>
                  <td className="px-3 text-rose-700">{d.lastError ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
