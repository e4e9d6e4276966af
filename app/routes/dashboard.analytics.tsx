import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { BarChart, LineChart } from "~/components/analytics/charts";
import { DataTable, formatInt, type Table } from "~/components/analytics/data-table";
import { handleForm, orRespond } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { getCreatorAnalytics, setAnalyticsTimeZone } from "~/modules/analytics/service.server";

export const meta: MetaFunction = () => [{ title: "Analytics — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const url = new URL(request.url);
  return orRespond(() => getCreatorAnalytics(context.cloudflare.env, viewer, Object.fromEntries(url.searchParams)));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return handleForm(() => setAnalyticsTimeZone(context.cloudflare.env, viewer, { timeZone: String(form.get("timeZone") ?? "") }));
}

const RANGE_LINKS = [
  { name: "7d", label: "7 days" },
  { name: "30d", label: "30 days" },
  { name: "90d", label: "90 days" },
  { name: "12m", label: "12 months" },
] as const;

const ZONES = [
  "UTC",
  "America/Los_Angeles",
  "America/Denver",
  "America/Chicago",
  "America/New_York",
  "America/Sao_Paulo",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Helsinki",
  "Africa/Lagos",
  "Asia/Kolkata",
  "Asia/Singapore",
  "Asia/Tokyo",
  "Australia/Sydney",
];

function Delta({ now, before }: { now: number; before: number }) {
  if (before === 0 && now === 0) return <span className="text-slate-400">no change</span>;
  if (before === 0) return <span className="text-emerald-700">new</span>;
  const pct = Math.round(((now - before) / before) * 1000) / 10;
  const up = pct >= 0;
  return (
    <span className={up ? "text-emerald-700" : "text-rose-700"}>
      <span aria-hidden="true">{up ? "▲" : "▼"}</span> {Math.abs(pct)}%
      <span className="sr-only"> {up ? "up" : "down"} on the previous period</span>
    </span>
  );
}

function Card({ label, value, now, before }: { label: string; value: string; now?: number; before?: number }) {
  return (
    <div className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="text-xs uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums">{value}</div>
      {now !== undefined && before !== undefined ? (
        <div className="mt-1 text-xs">
          <Delta now={now} before={before} /> <span className="text-slate-500">vs previous period</span>
        </div>
      ) : null}
    </div>
  );
}

const col = (t: Table, key: string) => {
  const i = t.columns.findIndex((c) => c.key === key);
  return t.rows.map((r) => Number(r[i] ?? 0));
};

export default function Analytics() {
  const d = useLoaderData<typeof loader>();
  const saved = useActionData<typeof action>();
  const nav = useNavigation();
  const { range, tables, summary } = d;
  const cur = d.mainCurrency;
  const q = range.name === "custom" ? `range=custom&from=${range.from}&to=${range.to}` : `range=${range.name}`;
  const csv = (name: string) => `/dashboard/analytics.csv?table=${name}&${q}`;
  const labels = (t: Table) => t.rows.map((r) => String(r[0]));
  const money = (n: number) => formatMoney(n, cur);
  const moneyMain = { ...tables.money, rows: tables.money.rows.filter((r) => r[1] === cur) };
  const s = summary.current;
  const p = summary.previous;
  return (
    <div className="mx-auto max-w-6xl space-y-8">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Analytics</h1>
          <p className="mt-1 text-sm text-slate-600">
            @{d.creator.handle} · {range.from} to {range.to} · days in {d.timeZone} · compared with {range.prevFrom} to {range.prevTo}
          </p>
        </div>
        <nav aria-label="Date range" className="flex flex-wrap items-center gap-2">
          {RANGE_LINKS.map((r) => (
            <Link
              key={r.name}
              to={`?range=${r.name}`}
              aria-current={range.name === r.name ? "page" : undefined}
              className={`rounded-lg px-3 py-1.5 text-sm font-medium ${range.name === r.name ? "bg-slate-900 text-white" : "bg-white text-slate-700 ring-1 ring-slate-200 hover:bg-slate-50"}`}
            >
              {r.label}
            </Link>
          ))}
          <Form method="get" className="flex flex-wrap items-center gap-2 text-sm">
            <input type="hidden" name="range" value="custom" />
            <label className="sr-only" htmlFor="from">
              From
            </label>
            <input id="from" name="from" type="date" defaultValue={range.from} className="rounded-lg border border-slate-300 px-2 py-1" />
            <label className="sr-only" htmlFor="to">
              To
            </label>
            <input id="to" name="to" type="date" defaultValue={range.to} className="rounded-lg border border-slate-300 px-2 py-1" />
            <button type="submit" className="rounded-lg bg-brand-600 px-3 py-1.5 font-semibold text-white hover:bg-brand-700">
              Apply
            </button>
          </Form>
        </nav>
      </header>

      <section aria-label="Summary" className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Card label="Views" value={formatInt(s.views)} now={s.views} before={p.views} />
        <Card label="Unique visitors" value={formatInt(s.uniques)} now={s.uniques} before={p.uniques} />
        <Card label="Try-clicks" value={formatInt(s.tries)} now={s.tries} before={p.tries} />
        <Card
          label="Net followers"
          value={formatInt(s.follows - s.unfollows)}
          now={s.follows - s.unfollows}
          before={p.follows - p.unfollows}
        />
        <Card label="Checkouts completed" value={`${s.completed} of ${s.started}`} now={s.completed} before={p.completed} />
        <Card label="Gross" value={money(s.gross)} now={s.gross} before={p.gross} />
        <Card label="Net earnings" value={money(s.net)} now={s.net} before={p.net} />
        <Card label="MRR" value={money(summary.mrr)} />
      </section>

      <section aria-labelledby="traffic-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="traffic-h" className="text-lg font-semibold">
          Traffic
        </h2>
        <LineChart
          title="Views and unique visitors"
          labels={labels(tables.traffic)}
          series={[
            { name: "Views", values: col(tables.traffic, "views"), color: "#6a3df5" },
            { name: "Unique visitors", values: col(tables.traffic, "uniques"), color: "#0ea5e9" },
          ]}
        />
        <details>
          <summary className="cursor-pointer text-sm text-slate-600">Data table</summary>
          <DataTable name="traffic" table={tables.traffic} currency={cur} csvHref={csv("traffic")} empty="No visits in this range yet." />
        </details>
        <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
          <DataTable
            name="pages"
            table={tables.pages}
            currency={cur}
            csvHref={csv("pages")}
            empty="No page views in this range yet. Share your storefront link to get started."
          />
          <DataTable
            name="sources"
            table={tables.sources}
            currency={cur}
            csvHref={csv("sources")}
            empty="No referrers or UTM campaigns yet. Add ?utm_campaign=… to links you share."
          />
        </div>
        <BarChart
          title="App views and try-clicks"
          labels={labels(tables.apps)}
          series={[
            { name: "Views", values: col(tables.apps, "views"), color: "#6a3df5" },
            { name: "Try-clicks", values: col(tables.apps, "tries"), color: "#f59e0b" },
          ]}
        />
        <DataTable
          name="apps"
          table={tables.apps}
          currency={cur}
          csvHref={csv("apps")}
          empty="No apps yet. Register one to see how many visitors try it."
        />
      </section>

      <section aria-labelledby="audience-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="audience-h" className="text-lg font-semibold">
          Audience
        </h2>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
          <Card label="Followers" value={formatInt(summary.followers)} />
          <Card label="Follower → member" value={summary.followerToMember === null ? "—" : `${summary.followerToMember}%`} />
          <Card label="Follower → buyer" value={summary.followerToBuyer === null ? "—" : `${summary.followerToBuyer}%`} />
        </div>
        <BarChart
          title="Followers gained and lost"
          labels={labels(tables.audience)}
          series={[
            { name: "Gained", values: col(tables.audience, "gained"), color: "#10b981" },
            { name: "Lost", values: col(tables.audience, "lost"), color: "#f43f5e" },
          ]}
        />
        <details>
          <summary className="cursor-pointer text-sm text-slate-600">Data table</summary>
          <DataTable name="audience" table={tables.audience} currency={cur} csvHref={csv("audience")} empty="No follows in this range." />
        </details>
        <DataTable name="tiers" table={tables.tiers} currency={cur} csvHref={csv("tiers")} empty="No membership tiers yet." />
      </section>

      <section aria-labelledby="money-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="money-h" className="text-lg font-semibold">
          Money
        </h2>
        <p className="text-sm text-slate-600">
          From the ledger: product orders, membership invoices, bookings and session packs. Fee is the platform&apos;s 8%; refunds are
          counted on the day they were made.
        </p>
        <BarChart
          title={`Gross and net (${cur.toUpperCase()})`}
          labels={labels(moneyMain)}
          series={[
            { name: "Gross", values: col(moneyMain, "gross"), color: "#6a3df5" },
            { name: "Net", values: col(moneyMain, "net"), color: "#10b981" },
          ]}
          format={money}
        />
        <details>
          <summary className="cursor-pointer text-sm text-slate-600">Data table</summary>
          <DataTable name="money" table={tables.money} currency={cur} csvHref={csv("money")} empty="No sales in this range." />
        </details>
        <DataTable
          name="offerings"
          table={tables.offerings}
          currency={cur}
          csvHref={csv("offerings")}
          empty="No sales in this range yet."
        />
        <LineChart
          title={`MRR at each month's end (${cur.toUpperCase()})`}
          labels={labels(tables.mrr)}
          series={[{ name: "MRR", values: col(tables.mrr, "end"), color: "#6a3df5" }]}
          format={money}
        />
        <DataTable name="mrr" table={tables.mrr} currency={cur} csvHref={csv("mrr")} empty="No paid memberships yet." />
        <DataTable
          name="cohorts"
          table={tables.cohorts}
          currency={cur}
          csvHref={csv("cohorts")}
          empty="Cohorts appear once members have paid."
        />
      </section>

      <section aria-labelledby="tz-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="tz-h" className="text-lg font-semibold">
          Your time zone
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Decides which day a visit or sale belongs to. Changing it applies to new visits; past days keep theirs.
        </p>
        <Form method="post" className="mt-3 flex flex-wrap items-end gap-2">
          <div>
            <label htmlFor="timeZone" className="block text-sm font-medium text-slate-700">
              Time zone
            </label>
            <input
              id="timeZone"
              name="timeZone"
              list="zones"
              defaultValue={d.timeZone}
              className="mt-1 rounded-lg border border-slate-300 px-3 py-1.5 text-sm"
              aria-describedby="tz-msg"
            />
            <datalist id="zones">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </div>
          <button
            type="submit"
            disabled={nav.state !== "idle"}
            className="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-semibold text-white"
          >
            Save
          </button>
          <p id="tz-msg" role="status" className="text-sm">
            {saved && "ok" in saved && saved.ok === false ? (
              <span className="text-rose-700">{saved.formError}</span>
            ) : saved ? (
              <span className="text-emerald-700">Saved.</span>
            ) : null}
          </p>
        </Form>
      </section>
    </div>
  );
}
