import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { EarningsChart, StatusBadge } from "~/components/money/earnings-chart";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { formatDate } from "~/lib/dates";
import { handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { refundOrder } from "~/modules/payments/dashboard.server";
import { getDashboard } from "~/pages/dashboard.server";
import { VerifyEmailNotice } from "~/components/verify-email-notice";
import { NpsSurvey } from "~/components/analytics/nps-survey";

export const meta: MetaFunction = () => [{ title: "Dashboard — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const url = new URL(request.url);
  return orRespond(() =>
    getDashboard(context.cloudflare.env, viewer, { cursor: url.searchParams.get("orders"), q: url.searchParams.get("buyer") }),
  );
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    const r = await refundOrder(
      context.cloudflare.env,
      viewer,
      String(form.orderId ?? ""),
      form.amount == null ? null : String(form.amount),
    );
    return {
      ok: true as const,
      message: r.full
        ? `Refunded ${r.amountLabel}. The buyer no longer has access; the fee and your share were returned in proportion.`
        : `Refunded ${r.amountLabel}. The buyer keeps access; the fee and your share were returned in proportion.`,
    };
  });
}

const PAYOUT_COPY = {
  not_started: {
    title: "Set up payouts to start selling",
    body: "Connect a Stripe account so buyers can pay you. Until then your paid products and tiers show as “coming soon”.",
    button: "Set up payouts",
  },
  pending: {
    title: "Finish setting up payouts",
    body: "Stripe still needs a few details before you can take payments.",
    button: "Continue setup",
  },
  restricted: {
    title: "Payouts need attention",
    body: "Stripe needs more information before payouts can be sent.",
    button: "Update details",
  },
  enabled: {
    title: "Payouts are on",
    body: "Buyers can pay you. Stripe sends your earnings (92% of each sale) to your bank.",
    button: "Open Stripe dashboard",
  },
} as const;

function Card({ title, children, action }: { title: string; children: React.ReactNode; action?: React.ReactNode }) {
  return (
    <section className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-lg font-semibold tracking-tight">{title}</h2>
        {action}
      </div>
      {children}
    </section>
  );
}

const date = (ts: number | null) => formatDate(ts) || "—";

export default function Dashboard() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  if (!d.creator) {
    return (
      <div className="mx-auto max-w-xl rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm">
        <h1 className="text-2xl font-bold tracking-tight">Your creator dashboard</h1>
        <p className="mt-2 text-slate-600">Open a storefront to sell products and memberships.</p>
        <Link
          to="/settings/profile"
          className="mt-6 inline-flex rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700"
        >
          Open your storefront
        </Link>
      </div>
    );
  }
  const copy = PAYOUT_COPY[d.payouts.state];
  const main = d.earnings.byCurrency[0];
  return (
    <div className="space-y-6">
      <VerifyEmailNotice action="sell and get paid" />
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Dashboard</h1>
          <p className="text-slate-600">
            Sales, members and payouts for{" "}
            <Link className="font-medium text-brand-700 hover:underline" to={`/@${d.creator.handle}`}>
              @{d.creator.handle}
            </Link>
            .
          </p>
        </div>
      </div>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      {params.get("payouts") === "pending" ? <FormError message="Onboarding isn't finished yet — continue whenever you're ready." /> : null}
      {params.get("survey") === "thanks" ? <FormSuccess message="Thank you — your answer helps us build All Thrive for creators." /> : null}
      {d.nps ? <NpsSurvey /> : null}

      <section
        aria-labelledby="payouts-h"
        className={`rounded-2xl border p-5 shadow-sm sm:p-6 ${d.payouts.state === "enabled" ? "border-emerald-200 bg-emerald-50/60" : "border-amber-200 bg-amber-50/70"}`}
      >
        <div className="flex flex-wrap items-center justify-between gap-4">
          <div className="min-w-0">
            <h2 id="payouts-h" className="text-lg font-semibold">
              {copy.title}
            </h2>
            <p className="mt-1 text-sm text-slate-700">{copy.body}</p>
            <p className="mt-2 flex flex-wrap gap-2 text-xs" data-testid="payout-flags">
              <span className="rounded-full bg-white px-2 py-0.5 ring-1 ring-slate-200">
                Charges {d.payouts.chargesEnabled ? "enabled" : "not enabled"}
              </span>
              <span className="rounded-full bg-white px-2 py-0.5 ring-1 ring-slate-200">
                Payouts {d.payouts.payoutsEnabled ? "enabled" : "not enabled"}
              </span>
            </p>
          </div>
          <Form method="post" action="/dashboard/payouts">
            <input type="hidden" name="intent" value={d.payouts.state === "enabled" ? "stripe-dashboard" : "start"} />
            <Button type="submit" variant={d.payouts.state === "enabled" ? "secondary" : "primary"}>
              {copy.button}
            </Button>
          </Form>
        </div>
      </section>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Earnings">
          {main ? (
            <dl className="grid grid-cols-3 gap-3 text-sm" data-testid="earnings">
              <div>
                <dt className="text-slate-500">Gross</dt>
                <dd className="text-lg font-semibold tabular-nums">{main.grossLabel}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Fee (8%)</dt>
                <dd className="text-lg font-semibold tabular-nums text-slate-600">−{main.feeLabel}</dd>
              </div>
              <div>
                <dt className="text-slate-500">You earn</dt>
                <dd className="text-lg font-semibold tabular-nums text-emerald-700">{main.netLabel}</dd>
              </div>
            </dl>
          ) : (
            <p className="text-sm text-slate-600">
              No sales yet. When someone buys, you'll see gross, the 8% platform fee and what you earn.
            </p>
          )}
          {main ? (
            <ul className="mt-5 space-y-2 border-t border-slate-100 pt-4 text-sm text-slate-600">
              <li className="flex justify-between">
                <span>Product sales</span>
                <span className="tabular-nums">{main.productsLabel}</span>
              </li>
              <li className="flex justify-between">
                <span>Memberships</span>
                <span className="tabular-nums">{main.membershipsLabel}</span>
              </li>
              <li className="flex justify-between">
                <span>Services &amp; session packs</span>
                <span className="tabular-nums">{main.servicesLabel}</span>
              </li>
              <li className="flex justify-between">
                <span>Payments</span>
                <span className="tabular-nums">{main.sales}</span>
              </li>
            </ul>
          ) : null}
          {main && main.refunded > 0 ? (
            <p className="mt-2 text-xs text-slate-500">{`Refunded: ${main.refundedLabel} (not counted).${main.platformFunded > 0 ? ` The platform paid ${main.platformFundedLabel} of it (refunds made in Stripe that kept the fee or your share).` : ""}`}</p>
          ) : null}
          {main ? (
            <p className="mt-3 text-sm">
              <a href="/dashboard/earnings.csv" className="font-medium text-indigo-700 underline-offset-2 hover:underline" download>
                Download every payment (CSV)
              </a>
            </p>
          ) : null}
          {d.earnings.byCurrency.slice(1).map((c) => (
            <p key={c.currency} className="mt-2 text-xs text-slate-600">
              {c.currency.toUpperCase()}: gross {c.grossLabel} · fee {c.feeLabel} · net {c.netLabel}
            </p>
          ))}
        </Card>
        <div className="lg:col-span-2">
          <Card title="Sales by month">
            <EarningsChart chart={d.earnings.chart} currency={d.earnings.chartCurrency} />
          </Card>
        </div>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card
          title="Products"
          action={
            <Link
              to="/dashboard/products/new"
              className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
            >
              New product
            </Link>
          }
        >
          {d.products.length ? (
            <ul className="divide-y divide-slate-100">
              {d.products.map((p) => (
                <li key={p.id} className="flex items-center justify-between gap-3 py-2.5">
                  <div className="min-w-0">
                    <Link to={`/dashboard/products/${p.id}`} className="block truncate font-medium text-slate-900 hover:text-brand-700">
                      {p.title}
                    </Link>
                    <p className="text-xs text-slate-500">
                      {p.typeLabel} · {p.price}
                    </p>
                  </div>
                  <StatusBadge status={p.status} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">Courses, templates, prompt packs, ebooks — sell what you know.</p>
          )}
        </Card>
        <Card
          title="Membership tiers"
          action={
            <Link
              to="/dashboard/tiers/new"
              className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
            >
              New tier
            </Link>
          }
        >
          {d.tiers.length ? (
            <ul className="divide-y divide-slate-100">
              {d.tiers.map((t) => (
                <li key={t.id} className="flex items-center justify-between gap-3 py-2.5">
                  <div className="min-w-0">
                    <Link to={`/dashboard/tiers/${t.id}`} className="block truncate font-medium text-slate-900 hover:text-brand-700">
                      {t.name}
                    </Link>
                    <p className="text-xs text-slate-500">
                      {t.priceLabel}
                      {t.maxSubscribers !== null ? ` · ${t.seatsLeftLabel}` : ""}
                    </p>
                  </div>
                  <StatusBadge status={t.status} />
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-slate-600">Offer a free tier, paid tiers, or pay-what-you-want — with an optional cap on seats.</p>
          )}
        </Card>
      </div>

      <Card
        title="Services"
        action={
          <Link
            to="/dashboard/services"
            className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
          >
            Services & bookings
          </Link>
        }
      >
        <p className="text-sm text-slate-600">
          Office hours, mentoring, session packs and fixed-price packages, booked on your own calendar.
        </p>
      </Card>

      <Card
        title="Growth"
        action={
          <div className="flex gap-2">
            <Link
              to="/dashboard/discounts"
              className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Discount codes
            </Link>
            <Link
              to="/dashboard/promotions"
              className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Promotions
            </Link>
            <Link
              to="/dashboard/affiliates"
              className="rounded-lg bg-white px-3 py-1.5 text-sm font-semibold text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Affiliates
            </Link>
          </div>
        }
      >
        <p className="text-sm text-slate-600">Codes for launches and loyal fans; labelled paid placement on Discover and the home page.</p>
      </Card>

      <Card
        title="License keys"
        action={
          <Link
            to="/dashboard/licenses"
            className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
          >
            License keys
          </Link>
        }
      >
        <p className="text-sm text-slate-600">
          Selling access to your own app? Grant a license key per sale and check customers&apos; access from your app with the API.
        </p>
      </Card>

      <Card
        title="Analytics"
        action={
          <Link
            to="/dashboard/analytics"
            className="rounded-lg bg-brand-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
          >
            Open analytics
          </Link>
        }
      >
        <p className="text-sm text-slate-600">Views, visitors, try-clicks, followers, sales, MRR and churn — with CSV export.</p>
      </Card>

      <Card title="Orders">
        <Form method="get" className="mb-3 flex gap-2" role="search">
          <label className="sr-only" htmlFor="orders-buyer">
            Buyer email
          </label>
          <input
            id="orders-buyer"
            name="buyer"
            type="search"
            defaultValue={d.ordersQuery}
            placeholder="Search by buyer email"
            className="w-full max-w-xs rounded-md border border-slate-300 px-2 py-1 text-sm"
          />
          <button type="submit" className="text-sm font-medium text-indigo-700 hover:underline">
            Search
          </button>
        </Form>
        {d.orders.length ? (
          <>
            <ul className="divide-y divide-slate-100 sm:hidden">
              {d.orders.map((o) => (
                <li key={o.id} className="py-3 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <span className="font-medium">{o.title}</span>
                    <StatusBadge status={o.status} label={o.statusLabel} />
                  </div>
                  <p className="truncate text-slate-500">
                    {o.buyer} · {date(o.createdAt)}
                  </p>
                  <p className="mt-1 tabular-nums text-slate-700">
                    {`${o.grossLabel} · fee kept ${o.feeLabel} · you keep `}
                    <span className="font-semibold">{o.netLabel}</span>
                  </p>
                  <RefundNote o={o} />
                  {o.status === "paid" ? <RefundForm o={o} busy={busy} /> : null}
                </li>
              ))}
            </ul>
            <div className="-mx-2 hidden overflow-x-auto sm:block">
              <table className="w-full min-w-[640px] text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="px-2 py-2">Date</th>
                    <th className="px-2">Product</th>
                    <th className="px-2">Buyer</th>
                    <th className="px-2 text-right">Gross</th>
                    <th className="px-2 text-right">Fee</th>
                    <th className="px-2 text-right">Net</th>
                    <th className="px-2">Status</th>
                    <th className="px-2">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {d.orders.map((o) => (
                    <tr key={o.id}>
                      <td className="px-2 py-2 whitespace-nowrap">{date(o.createdAt)}</td>
                      <td className="px-2">{o.title}</td>
                      <td className="px-2 text-slate-600">{o.buyer}</td>
                      <td className="px-2 text-right tabular-nums">
                        {o.grossLabel}
                        <RefundNote o={o} />
                      </td>
                      <td className="px-2 text-right tabular-nums text-slate-500">{o.feeLabel}</td>
                      <td className="px-2 text-right tabular-nums font-medium">{o.netLabel}</td>
                      <td className="px-2">
                        <StatusBadge status={o.status} label={o.statusLabel} />
                      </td>
                      <td className="px-2 text-right">{o.status === "paid" ? <RefundForm o={o} busy={busy} /> : null}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p className="text-sm text-slate-600">
            {d.ordersQuery ? `No orders from a buyer matching “${d.ordersQuery}”.` : "No orders yet."}
          </p>
        )}
        <nav className="mt-3 flex gap-4 text-sm" aria-label="Orders pages">
          {d.ordersPaged ? (
            <Link to={d.ordersQuery ? `?buyer=${encodeURIComponent(d.ordersQuery)}` : "?"} className="text-indigo-700 hover:underline">
              Newest orders
            </Link>
          ) : null}
          {d.ordersNext ? (
            <Link
              to={`?${new URLSearchParams({ ...(d.ordersQuery ? { buyer: d.ordersQuery } : {}), orders: d.ordersNext })}`}
              className="text-indigo-700 hover:underline"
            >
              Older orders
            </Link>
          ) : null}
        </nav>
        {d.duplicateRefunds.length ? (
          <div className="mt-4" data-testid="duplicate-refunds">
            <h3 className="text-sm font-semibold text-slate-800">Membership payments refunded as duplicates</h3>
            <p className="text-xs text-slate-500">
              These members already had the tier, so the second subscription was canceled and its payment refunded automatically.
            </p>
            <ul className="mt-2 divide-y divide-slate-100 text-sm">
              {d.duplicateRefunds.map((r) => (
                <li key={r.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span className="min-w-0 truncate">
                    {date(r.paidAt)} · {r.tier} · <span className="text-slate-600">{r.member}</span> ·{" "}
                    <span className="tabular-nums">{r.grossLabel}</span>
                  </span>
                  <StatusBadge status={r.status === "refunded" ? "refunded" : "past_due"} label={r.statusLabel} />
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </Card>

      <Card title="Members">
        {d.members.length ? (
          <>
            <ul className="divide-y divide-slate-100 sm:hidden">
              {d.members.map((m) => (
                <li key={m.id} className="py-3 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <span className="truncate font-medium">{m.member}</span>
                    <StatusBadge status={m.state.status} label={m.state.label} />
                  </div>
                  <p className="text-slate-500">{`${m.tier} · ${m.priceLabel}${m.periodEnd ? ` · ${m.cancelAtPeriodEnd ? "ends" : "renews"} ${date(m.periodEnd)}` : ""}`}</p>
                </li>
              ))}
            </ul>
            <div className="-mx-2 hidden overflow-x-auto sm:block">
              <table className="w-full min-w-[560px] text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="px-2 py-2">Since</th>
                    <th className="px-2">Member</th>
                    <th className="px-2">Tier</th>
                    <th className="px-2">Price</th>
                    <th className="px-2">Status</th>
                    <th className="px-2">Renews / ends</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {d.members.map((m) => (
                    <tr key={m.id}>
                      <td className="px-2 py-2 whitespace-nowrap">{date(m.createdAt)}</td>
                      <td className="px-2 text-slate-600">{m.member}</td>
                      <td className="px-2">{m.tier}</td>
                      <td className="px-2 tabular-nums">{m.priceLabel}</td>
                      <td className="px-2">
                        <StatusBadge status={m.state.status} label={m.state.label} />
                        {m.cancelAtPeriodEnd && m.status !== "canceled" ? (
                          <span className="ml-1 text-xs text-slate-500">(ends at period end)</span>
                        ) : null}
                      </td>
                      <td className="px-2 whitespace-nowrap">{date(m.periodEnd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p className="text-sm text-slate-600">No members yet.</p>
        )}
      </Card>
    </div>
  );
}

type OrderRow = {
  id: string;
  buyer: string;
  status: string;
  refunded: number;
  refundedLabel: string;
  remainingMajor: string;
  remainingLabel: string;
  kept: { platformFunded: number };
  platformFundedLabel: string;
};

function RefundNote({ o }: { o: OrderRow }) {
  if (!o.refunded) return null;
  return (
    <span className="block text-xs text-slate-500">
      {`Refunded ${o.refundedLabel}`}
      {o.kept.platformFunded > 0 ? ` (platform paid ${o.platformFundedLabel})` : ""}
    </span>
  );
}

/** Refund all that is left, or a part of it (the amount field); the fee goes back in proportion. */
function RefundForm({ o, busy }: { o: OrderRow; busy: boolean }) {
  return (
    <Form
      method="post"
      className="mt-1 flex items-center justify-end gap-1"
      onSubmit={(e) => {
        const amount = String(new FormData(e.currentTarget).get("amount") ?? "").trim();
        const full = !amount || amount === o.remainingMajor;
        if (
          !confirm(
            full
              ? `Refund ${o.remainingLabel} to ${o.buyer}? They lose access to the product.`
              : `Refund ${amount} of ${o.remainingLabel} to ${o.buyer}? They keep access.`,
          )
        )
          e.preventDefault();
      }}
    >
      <input type="hidden" name="orderId" value={o.id} />
      <label className="sr-only" htmlFor={`refund-${o.id}`}>
        Amount to refund
      </label>
      <input
        id={`refund-${o.id}`}
        name="amount"
        inputMode="decimal"
        defaultValue={o.remainingMajor}
        className="w-20 rounded border border-slate-300 px-1 text-right text-sm tabular-nums"
      />
      <button type="submit" disabled={busy} className="text-sm font-medium text-rose-700 hover:underline">
        Refund
      </button>
    </Form>
  );
}
