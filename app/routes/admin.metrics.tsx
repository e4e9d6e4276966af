import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { AdminNav } from "~/components/admin-nav";
import { BarChart } from "~/components/analytics/charts";
import { DataTable, formatInt, type Table } from "~/components/analytics/data-table";
import { orRespond } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { getPlatformMetrics } from "~/modules/analytics/platform.server";

export const meta: MetaFunction = () => [{ title: "Platform metrics — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => getPlatformMetrics(context.cloudflare.env, viewer));
}

function Stat({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums">{value}</div>
      {detail ? <div className="mt-1 text-xs text-slate-500">{detail}</div> : null}
    </div>
  );
}

const orDash = (n: number | null) => (n === null ? "—" : `${n}%`);

export default function AdminMetrics() {
  const d = useLoaderData<typeof loader>();
  const gmv: Table = d.tables.gmv;
  const main = String(gmv.rows[0]?.[1] ?? "usd");
  const rows = gmv.rows.filter((r) => r[1] === main);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Platform metrics</h1>
      <AdminNav />
      <section aria-label="Headline numbers" className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Creators with storefronts" value={formatInt(d.creators)} />
        <Stat
          label="ARPC (12 months)"
          value={d.arpc.length ? formatMoney(d.arpc[0].arpc, d.arpc[0].currency) : "—"}
          detail={d.arpc.length ? `gross per creator with a sale · ${d.arpc[0].sellers} sellers` : "no sales yet"}
        />
        <Stat label="Apps registered" value={String(d.apps.registered)} detail={`${d.apps.published} published`} />
        <Stat label="Avg followers per creator" value={String(d.avgFollowers)} />
        <Stat label="Follower → member" value={orDash(d.followerToMember)} detail="follow edges with a live membership" />
        <Stat label="Follower → buyer" value={orDash(d.followerToBuyer)} detail="follow edges with a purchase" />
        <Stat
          label="Discovery (30 days)"
          value={`${formatInt(d.discovery.views)} app views`}
          detail={`${d.discovery.tries} tries · try rate ${orDash(d.discovery.tryRate)}`}
        />
        <Stat
          label={`Creator NPS (${d.nps.quarter ?? "—"})`}
          value={d.nps.score === null ? "—" : String(d.nps.score)}
          detail={`${d.nps.answers} ${d.nps.answers === 1 ? "answer" : "answers"} this quarter`}
        />
        <Stat
          label={`MAU (${d.mau.month})`}
          value={formatInt(d.mau.users)}
          detail={`signed-in · return-visit rate ${orDash(d.mau.returnRate)} · ${d.mau.previous.month}: ${d.mau.previous.users}`}
        />
      </section>
      <section aria-labelledby="gmv-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="gmv-h" className="text-lg font-semibold">
          GMV and platform revenue
        </h2>
        <BarChart
          title={`GMV and platform revenue by month (${main.toUpperCase()})`}
          labels={rows.map((r) => String(r[0]))}
          series={[
            { name: "GMV", values: rows.map((r) => Number(r[3])), color: "#6a3df5" },
            { name: "Platform revenue", values: rows.map((r) => Number(r[4])), color: "#10b981" },
          ]}
          format={(n) => formatMoney(n, main)}
        />
        <DataTable name="gmv" table={gmv} currency={main} csvHref="/admin/metrics.csv?table=gmv" empty="No sales yet." />
      </section>
      <section aria-labelledby="ret-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="ret-h" className="text-lg font-semibold">
          Creator retention
        </h2>
        <DataTable
          name="retention"
          table={d.tables.retention}
          currency={main}
          csvHref="/admin/metrics.csv?table=retention"
          empty="No creators yet."
        />
      </section>
      <section aria-labelledby="nps-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <div>
          <h2 id="nps-h" className="text-lg font-semibold">
            Creator NPS
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            “How likely are you to recommend All Thrive to another creator?” asked on the dashboard once a quarter. NPS = % promoters (9–10)
            − % detractors (0–6) of the answers; dismissals aren&apos;t answers.
          </p>
        </div>
        <DataTable
          name="nps"
          table={d.tables.nps}
          currency={main}
          csvHref="/admin/metrics.csv?table=nps"
          empty="No survey answers yet. Creators see the question on their dashboard once a quarter."
        />
      </section>
    </div>
  );
}
