import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { AdminNav, when } from "~/components/admin-nav";
import { orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { getConsoleHome } from "~/modules/admin/service.server";

export const meta: MetaFunction = () => [{ title: "Admin console — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => getConsoleHome(context.cloudflare.env, viewer));
}

function Stat({ label, value, detail, to }: { label: string; value: string; detail?: string; to?: string }) {
  const body = (
    <>
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums">{value}</div>
      {detail ? <div className="mt-1 text-xs text-slate-500">{detail}</div> : null}
    </>
  );
  const cls = "block rounded-2xl border border-slate-200 bg-white p-4 shadow-sm";
  return to ? (
    <Link to={to} className={`${cls} hover:border-brand-400`}>
      {body}
    </Link>
  ) : (
    <div className={cls}>{body}</div>
  );
}

export default function AdminHome() {
  const d = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Admin console</h1>
      <AdminNav />
      <section aria-label="Today's numbers" className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <Stat label="Creators" value={String(d.creators)} detail="storefronts not hidden" />
        <Stat label="Members" value={String(d.members)} detail="people with a live membership" />
        <Stat
          label="GMV this month"
          value={d.gmv.length ? d.gmv.map((g) => g.formatted).join(" · ") : "$0.00"}
          detail="orders + subscription invoices, gross"
        />
        <Stat label="Dead letters" value={String(d.deadLetters)} detail="open" to="/admin/dead-letters" />
        <Stat label="Open reports" value={String(d.openReports)} detail="waiting in moderation" to="/admin/moderation" />
      </section>
      <section aria-labelledby="log-h" className="space-y-2">
        <h2 id="log-h" className="text-lg font-semibold">
          Admin log
        </h2>
        <p className="text-sm text-slate-600">Every admin action: who, what, when and why. Newest first.</p>
        {d.actions.length === 0 ? (
          <p className="text-sm text-slate-500">No admin actions yet.</p>
        ) : (
          <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
            <table className="w-full min-w-[720px] text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="px-3 py-2">When</th>
                  <th className="px-3">Who</th>
                  <th className="px-3">What</th>
                  <th className="px-3">Target</th>
                  <th className="px-3">Reason</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {d.actions.map((a) => (
                  <tr key={a.id}>
                    <td className="whitespace-nowrap px-3 py-2">{when(a.createdAt)}</td>
                    <td className="px-3">{a.adminEmail}</td>
                    <td className="px-3">{a.action}</td>
                    <td className="px-3">{a.targetLabel}</td>
                    <td className="px-3">{a.reason || "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
