import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import {
  creatorAffiliatesPage,
  pauseProgram,
  payNow,
  referralCodeFor,
  removeAffiliate,
  saveProgram,
} from "~/modules/affiliates/service.server";

export const meta: MetaFunction = () => [{ title: "Affiliates — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  return orRespond(async () => {
    const page = await creatorAffiliatesPage(env, viewer);
    const code = page.referrals.code ?? (await referralCodeFor(env, viewer.id));
    const origin = new URL(request.url).origin;
    return { ...page, handle: context.viewer?.handle ?? null, referralLink: `${origin}/join?ref=${code}`, origin };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const env = context.cloudflare.env;
  return handleForm(async () => {
    const intent = form.get("intent");
    if (intent === "remove") {
      await removeAffiliate(env, viewer, String(form.get("affiliateId") ?? ""));
      return { ok: true as const, message: "Affiliate removed. Their links no longer earn; what they earned stays." };
    }
    if (intent === "pause") {
      await pauseProgram(env, viewer);
      return { ok: true as const, message: "Program paused: no new commissions until you save it again." };
    }
    if (intent === "pay-now") {
      const r = await payNow(env, viewer, "mine");
      return { ok: true as const, message: r.paid ? "Your due referral earnings are on their way." : "Nothing is due to be paid yet." };
    }
    await saveProgram(env, viewer, { ...formToObject(form), items: form.getAll("items").map(String) });
    return { ok: true as const, message: "Your affiliate program is live. Share your join page with people who love your work." };
  });
}

const money = (n: number, c: string) => formatMoney(n, c);

export default function DashboardAffiliates() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const fe = result && "fieldErrors" in result ? result.fieldErrors : {};
  const p = d.program;
  const joinUrl = d.handle ? `${d.origin}/@${d.handle}/affiliates` : null;
  return (
    <div className="mx-auto max-w-5xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-bold tracking-tight">Affiliates</h1>
        {p ? (
          <span
            className={`rounded-full px-3 py-1 text-xs font-medium ${p.status === "active" ? "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200" : "bg-slate-100 text-slate-700"}`}
          >
            {p.status === "active" ? `Live · ${p.commissionPercent}% of your net` : "Paused"}
          </span>
        ) : null}
      </div>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}

      <div className="grid gap-6 lg:grid-cols-[1fr_360px]">
        <section aria-labelledby="people-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="people-h" className="font-semibold">
            Your affiliates
          </h2>
          {p && p.status === "active" && joinUrl ? (
            <p className="text-sm text-slate-700">
              Anyone with a confirmed email can join at{" "}
              <a className="font-mono text-brand-700 underline" href={joinUrl}>
                {joinUrl}
              </a>
            </p>
          ) : null}
          {d.totals.length ? (
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Commissions on your sales">
              {d.totals.map((t) =>
                (["pending", "payable", "paid", "reversed"] as const).map((k) => (
                  <div key={`${t.currency}-${k}`} className="rounded-xl bg-slate-50 p-3">
                    <dt className="text-xs capitalize text-slate-500">{k}</dt>
                    <dd className="font-semibold">{money(t[k], t.currency)}</dd>
                  </div>
                )),
              )}
            </dl>
          ) : null}
          {d.affiliates.length ? (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th scope="col" className="py-2 pr-3">
                      Affiliate
                    </th>
                    <th scope="col" className="py-2 pr-3">
                      Code
                    </th>
                    <th scope="col" className="py-2 pr-3 text-right">
                      <abbr title="Unique visitors per day (all link clicks in brackets)" className="no-underline">
                        Visitors
                      </abbr>
                    </th>
                    <th scope="col" className="py-2 pr-3 text-right">
                      Sales
                    </th>
                    <th scope="col" className="py-2 pr-3 text-right">
                      Earned
                    </th>
                    <th scope="col" className="py-2">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {d.affiliates.map((a) => (
                    <tr key={a.id} data-testid="affiliate-row">
                      <td className="py-2 pr-3">{a.handle ? `@${a.handle}` : a.email}</td>
                      <td className="py-2 pr-3 font-mono">{a.code}</td>
                      <td className="py-2 pr-3 text-right tabular-nums" data-testid="affiliate-visitors">
                        {a.uniqueClicks} <span className="text-slate-400">({a.clicks})</span>
                      </td>
                      <td className="py-2 pr-3 text-right">{a.conversions}</td>
                      <td className="py-2 pr-3 text-right">{money(a.earned, a.currency)}</td>
                      <td className="py-2 text-right">
                        {a.status === "active" ? (
                          <Form method="post">
                            <input type="hidden" name="intent" value="remove" />
                            <input type="hidden" name="affiliateId" value={a.id} />
                            <button type="submit" className="text-xs font-medium text-rose-700 hover:underline">
                              Remove
                            </button>
                          </Form>
                        ) : (
                          <span className="text-xs text-slate-500">Removed</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <EmptyState icon="star" title="No affiliates yet">
              {p
                ? "Share your join page: people who join get their own links and earn on the sales they bring."
                : "Turn on your program to let fans earn by sharing your work."}
            </EmptyState>
          )}
        </section>

        <section aria-labelledby="program-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="program-h" className="font-semibold">
            {p ? "Program settings" : "Start a program"}
          </h2>
          <Form method="post" className="mt-3 space-y-3" noValidate>
            <Field
              label="Commission (% of your net)"
              name="commissionPercent"
              inputMode="numeric"
              defaultValue={p ? String(p.commissionPercent) : "20"}
              hint="1–50. Paid out of what you keep after the platform fee and any discount."
              error={fe.commissionPercent}
            />
            <Field
              label="Cookie window (days)"
              name="cookieDays"
              inputMode="numeric"
              defaultValue={p ? String(p.cookieDays) : "30"}
              hint="A sale counts if it comes within this many days of the affiliate's link being clicked."
              error={fe.cookieDays}
            />
            <Field
              label="Recurring commission (months)"
              name="recurringMonths"
              inputMode="numeric"
              defaultValue={p ? String(p.recurringMonths) : "3"}
              hint="For memberships: renewals earn commission for this many months. 0 = first payment only."
              error={fe.recurringMonths}
            />
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">What affiliates can promote</legend>
              {fe.items ? (
                <p className="mt-1 text-sm text-rose-700" role="alert">
                  {fe.items}
                </p>
              ) : null}
              <div className="mt-2 max-h-60 space-y-1 overflow-y-auto text-sm">
                {d.products.map((x) => (
                  <label key={x.id} className="flex items-center gap-2">
                    <input type="checkbox" name="items" value={`product:${x.id}`} defaultChecked={d.chosen.includes(`product:${x.id}`)} />
                    {x.title}
                  </label>
                ))}
                {d.tiers.map((x) => (
                  <label key={x.id} className="flex items-center gap-2">
                    <input type="checkbox" name="items" value={`tier:${x.id}`} defaultChecked={d.chosen.includes(`tier:${x.id}`)} />
                    {x.name} <span className="text-xs text-slate-500">(membership)</span>
                  </label>
                ))}
                {d.services.map((x) => (
                  <label key={x.id} className="flex items-center gap-2">
                    <input type="checkbox" name="items" value={`service:${x.id}`} defaultChecked={d.chosen.includes(`service:${x.id}`)} />
                    {x.title} <span className="text-xs text-slate-500">(service)</span>
                  </label>
                ))}
                {!d.products.length && !d.tiers.length && !d.services.length ? (
                  <p className="text-slate-500">Publish a product, a paid tier or a service first.</p>
                ) : null}
              </div>
            </fieldset>
            <Button type="submit" disabled={busy} className="w-full">
              {p ? "Save program" : "Turn on affiliates"}
            </Button>
          </Form>
          {p && p.status === "active" ? (
            <Form method="post" className="mt-2">
              <input type="hidden" name="intent" value="pause" />
              <Button type="submit" variant="secondary" className="w-full" disabled={busy}>
                Pause program
              </Button>
            </Form>
          ) : null}
        </section>
      </div>

      <section aria-labelledby="ref-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
        <h2 id="ref-h" className="font-semibold">
          Invite other builders
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          For 12 months you earn 20% of the platform fee on the sales of every creator who signs up through your link.
        </p>
        <p className="mt-2 break-all rounded-lg bg-slate-50 px-3 py-2 font-mono text-sm" data-testid="referral-link">
          {d.referralLink}
        </p>
        <p className="mt-2 text-sm text-slate-700">
          {d.referrals.referred.length
            ? `${d.referrals.referred.length} creator${d.referrals.referred.length === 1 ? "" : "s"} joined through your link.`
            : "Nobody has joined through your link yet."}
          {d.referrals.totals.map(
            (t) => ` Earned ${money(t.pending + t.payable + t.paid, t.currency)} (${money(t.paid, t.currency)} paid).`,
          )}
        </p>
        {d.referrals.referredBy ? (
          <p className="mt-1 text-sm text-slate-600">You were invited by @{d.referrals.referredBy.handle}.</p>
        ) : null}
        <Form method="post" className="mt-3">
          <input type="hidden" name="intent" value="pay-now" />
          <Button type="submit" variant="secondary" disabled={busy}>
            Pay out what's due
          </Button>
        </Form>
      </section>
    </div>
  );
}
