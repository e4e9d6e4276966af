import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { Button, Field, FormError } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { creatorPromotions, startPromotionCheckout } from "~/modules/growth/promotions.server";

export const meta: MetaFunction = () => [{ title: "Promotions — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return creatorPromotions(context.cloudflare.env, viewer.id);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return handleForm(async () => {
    const { url } = await startPromotionCheckout(context.cloudflare.env, viewer, formToObject(form), new URL(request.url).origin);
    throw redirect(url, 302);
  });
}

const STATUS_CLS: Record<string, string> = {
  Running: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  "In review": "bg-amber-50 text-amber-800 ring-amber-200",
  Rejected: "bg-rose-50 text-rose-800 ring-rose-200",
};

export default function DashboardPromotions() {
  const { promotions, apps, products, categories, prices, slotsPerDay, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [params] = useSearchParams();
  const fe = result && "fieldErrors" in result ? result.fieldErrors : {};
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Promotions</h1>
        <p className="mt-1 text-sm text-slate-600">
          Paid placement above the home page, Discover or a Discover category, always labelled “Promoted”. It never changes trending or
          search order. {slotsPerDay} slots per placement per day; an admin reviews each one before it shows, and a rejection refunds the
          days not shown.
        </p>
      </div>
      {params.get("paid") ? (
        <p role="status" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200">
          Paid — your promotion is waiting for review.
        </p>
      ) : null}
      {params.get("checkout") === "canceled" ? (
        <p className="text-sm text-slate-600">Checkout canceled — you weren't charged and the days are free again.</p>
      ) : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_320px]">
        <section aria-labelledby="mine-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="mine-h" className="font-semibold">
            Your promotions
          </h2>
          {promotions.length ? (
            <ul className="mt-2 divide-y divide-slate-100">
              {promotions.map((p) => (
                <li key={p.id} className="py-3 text-sm" data-testid="my-promotion">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span className="font-medium text-slate-900">{p.appName}</span>
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${STATUS_CLS[p.status] ?? "bg-slate-100 text-slate-700 ring-slate-200"}`}
                    >
                      {p.status}
                    </span>
                  </div>
                  <p className="text-slate-700">
                    {p.placement} · {p.dates} · {p.amount}
                  </p>
                  <p className="text-xs text-slate-500" data-testid="promotion-stats">
                    {p.impressions} impressions · {p.clicks} clicks
                    {p.impressions ? ` · ${((p.clicks / p.impressions) * 100).toFixed(1)}% click-through` : ""}
                  </p>
                  {p.rejectReason ? <p className="mt-1 text-xs text-rose-800">Reason: {p.rejectReason}</p> : null}
                  {p.refunded ? <p className="text-xs text-slate-600">Refunded {p.refunded}</p> : null}
                </li>
              ))}
            </ul>
          ) : (
            <div className="mt-3">
              <EmptyState icon="sprout" title="No promotions yet">
                Put a published app or product in front of more people for a few days.
              </EmptyState>
            </div>
          )}
        </section>
        <section aria-labelledby="buy-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="buy-h" className="font-semibold">
            Promote an app or product
          </h2>
          {apps.length || products.length ? (
            <Form method="post" className="mt-3 space-y-3" noValidate>
              <div>
                <label htmlFor="subject" className="block text-sm font-medium text-slate-800">
                  What to promote
                </label>
                <select id="subject" name="subject" className="mt-1 w-full rounded-lg border border-slate-300 px-2 py-2 text-sm">
                  {apps.length ? (
                    <optgroup label="Apps">
                      {apps.map((a) => (
                        <option key={a.id} value={`app:${a.id}`}>
                          {a.name}
                        </option>
                      ))}
                    </optgroup>
                  ) : null}
                  {products.length ? (
                    <optgroup label="Products">
                      {products.map((p) => (
                        <option key={p.id} value={`product:${p.id}`}>
                          {p.title}
                        </option>
                      ))}
                    </optgroup>
                  ) : null}
                </select>
                {fe.subject ? (
                  <p role="alert" className="mt-1 text-sm text-red-700">
                    {fe.subject}
                  </p>
                ) : null}
              </div>
              <div>
                <label htmlFor="placement" className="block text-sm font-medium text-slate-800">
                  Where
                </label>
                <select id="placement" name="placement" className="mt-1 w-full rounded-lg border border-slate-300 px-2 py-2 text-sm">
                  <option value="home">Home page — {prices.home}/day</option>
                  <option value="discover">Discover (main page) — {prices.discover}/day</option>
                  {categories.map((c) => (
                    <option key={c.slug} value={`discover:${c.slug}`}>
                      Discover · {c.name} — {prices.discover}/day
                    </option>
                  ))}
                </select>
                {fe.placement ? (
                  <p role="alert" className="mt-1 text-sm text-red-700">
                    {fe.placement}
                  </p>
                ) : null}
              </div>
              <Field label="Start" name="start" type="date" defaultValue={today} min={today} error={fe.start} />
              <Field label="Days (1–30)" name="days" inputMode="numeric" defaultValue="7" error={fe.days} />
              <Button type="submit" className="w-full" disabled={busy}>
                {busy ? "Opening checkout…" : "Continue to payment"}
              </Button>
            </Form>
          ) : (
            <p className="mt-2 text-sm text-slate-600">
              Publish an app first —{" "}
              <Link to="/apps/new" className="font-medium text-brand-700 underline">
                add one
              </Link>
              .
            </p>
          )}
        </section>
      </div>
    </div>
  );
}
