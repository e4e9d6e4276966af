import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { EmptyState } from "~/components/empty-state";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { requireViewer } from "~/modules/identity/auth.server";
import { affiliateDashboard, payNow } from "~/modules/affiliates/service.server";

export const meta: MetaFunction = () => [{ title: "Affiliate earnings — All Thrive" }];

/** The affiliate's side (any signed-in person): programs joined, links, clicks, conversions, earnings. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(() => affiliateDashboard(context.cloudflare.env, viewer, new URL(request.url).origin));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return handleForm(async () => {
    const scope = form.get("scope") === "all" ? "all" : "mine";
    const r = await payNow(context.cloudflare.env, viewer, scope);
    return {
      ok: true as const,
      message: r.paid
        ? `Paid ${r.paid} payout${r.paid === 1 ? "" : "s"}.`
        : "Nothing is due to be paid yet (or no payout account is set up).",
    };
  });
}

function CopyLink({ url, label }: { url: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <li className="flex flex-wrap items-center gap-2 py-2 text-sm" data-testid="affiliate-link">
      <span className="min-w-0 flex-1">
        <span className="block font-medium text-slate-900">{label}</span>
        <input
          readOnly
          aria-label={`Your link for ${label}`}
          value={url}
          className="mt-1 w-full rounded-md border border-slate-200 bg-slate-50 px-2 py-1 font-mono text-xs"
          onFocus={(e) => e.currentTarget.select()}
        />
      </span>
      <button
        type="button"
        className="rounded-md border border-slate-300 px-2.5 py-1 text-xs font-medium hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
        onClick={() => {
          void navigator.clipboard?.writeText(url).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? "Copied" : "Copy link"}
      </button>
    </li>
  );
}

const STATES = ["pending", "payable", "paid", "reversed"] as const;

export default function AffiliateDashboard() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <Link to="/library" className="inline-block text-sm text-brand-700 hover:underline">
        ← Library
      </Link>
      <h1 className="text-2xl font-bold tracking-tight">Affiliate earnings</h1>
      {params.get("joined") ? <FormSuccess message="You're in. Copy a link below and share it." /> : null}
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}

      <section aria-labelledby="earn-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="earn-h" className="font-semibold">
          Earnings
        </h2>
        {d.totals.length ? (
          d.totals.map((t) => (
            <dl key={t.currency} className="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-5" data-testid="earnings">
              <div className="rounded-xl bg-slate-50 p-3">
                <dt className="text-xs text-slate-500">Sales</dt>
                <dd className="font-semibold">{t.conversions}</dd>
              </div>
              {STATES.map((k) => (
                <div key={k} className="rounded-xl bg-slate-50 p-3">
                  <dt className="text-xs capitalize text-slate-500">{k}</dt>
                  <dd className="font-semibold" data-state={k}>
                    {formatMoney(t[k], t.currency)}
                  </dd>
                </div>
              ))}
            </dl>
          ))
        ) : (
          <p className="mt-2 text-sm text-slate-600">No commissions yet — they show here as soon as a sale comes through your link.</p>
        )}
        {!d.canBePaid ? (
          <div className="mt-3 rounded-lg bg-amber-50 p-3 text-sm text-amber-900">
            <p>
              To be paid you need a payout account with Stripe (no storefront needed). Until then your commissions wait for you as payable.
            </p>
            <Form method="post" action="/dashboard/payouts" className="mt-2">
              <Button type="submit" variant="secondary" disabled={busy}>
                Set up payouts
              </Button>
            </Form>
          </div>
        ) : (
          <Form method="post" className="mt-3">
            <Button type="submit" variant="secondary" disabled={busy}>
              Pay out what's due now
            </Button>
          </Form>
        )}
        {d.recent.length ? (
          <table className="mt-4 w-full text-left text-sm">
            <caption className="sr-only">Recent commissions</caption>
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-1">
                  Date
                </th>
                <th scope="col">From</th>
                <th scope="col" className="text-right">
                  Amount
                </th>
                <th scope="col" className="text-right">
                  Status
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {d.recent.map((c) => (
                <tr key={c.id} data-testid="commission-row">
                  <td className="py-1.5">{new Date(c.createdAt * 1000).toISOString().slice(0, 10)}</td>
                  <td>
                    {c.kind === "referral" ? "Referral · " : ""}@{c.handle}
                  </td>
                  <td className="text-right">
                    {formatMoney(c.amount - c.reversed, c.currency)}
                    {c.reversed ? <span className="text-xs text-slate-500"> ({formatMoney(c.reversed, c.currency)} refunded)</span> : null}
                  </td>
                  <td className="text-right capitalize">{c.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>

      <section aria-labelledby="prog-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="prog-h" className="font-semibold">
          Programs you're in
        </h2>
        {d.programs.length ? (
          <ul className="mt-2 space-y-4">
            {d.programs.map((p) => (
              <li key={p.id} className="rounded-xl border border-slate-100 p-4">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <Link to={`/@${p.handle}`} className="font-semibold text-slate-900 hover:underline">
                    {p.displayName}
                  </Link>
                  <span className="text-xs text-slate-600">
                    {p.status === "removed"
                      ? "Removed by the creator"
                      : p.programStatus === "active"
                        ? `${p.percent}% · ${p.cookieDays}-day window`
                        : "Program paused"}{" "}
                    · <span data-testid="affiliate-visitors">{p.uniqueClicks === 1 ? "1 visitor" : `${p.uniqueClicks} visitors`}</span> (
                    {p.clicks === 1 ? "1 click" : `${p.clicks} clicks`}) · {p.conversions} sales
                  </span>
                </div>
                {p.status === "active" ? (
                  <ul className="mt-2 divide-y divide-slate-100">
                    {p.links.map((l) => (
                      <CopyLink key={l.url} url={l.url} label={l.label} />
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        ) : (
          <div className="mt-3">
            <EmptyState icon="star" title="You haven't joined a program yet">
              Creators with an affiliate program have a join page at /@handle/affiliates.
            </EmptyState>
          </div>
        )}
      </section>

      {d.referrals.code || d.referrals.totals.length ? (
        <section aria-labelledby="ref-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="ref-h" className="font-semibold">
            Platform referrals
          </h2>
          <p className="mt-1 text-sm text-slate-700">
            {d.referrals.referred.length} creator{d.referrals.referred.length === 1 ? "" : "s"} joined through your link
            {d.referrals.code ? ` (code ${d.referrals.code})` : ""}. You earn 20% of the platform fee on their sales for 12 months.
          </p>
        </section>
      ) : null}
    </div>
  );
}
