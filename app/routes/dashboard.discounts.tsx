import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { EmptyState } from "~/components/empty-state";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { formatMoney } from "~/lib/money";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { archiveDiscountCode, createDiscountCode, creatorDiscountCodes } from "~/modules/growth/discounts.server";

export const meta: MetaFunction = () => [{ title: "Discount codes — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return creatorDiscountCodes(context.cloudflare.env, viewer.id);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const env = context.cloudflare.env;
  return handleForm(async () => {
    if (form.get("intent") === "archive") {
      await archiveDiscountCode(env, viewer, String(form.get("codeId") ?? ""));
      return { ok: true as const, message: "Code turned off. Uses already made stay recorded." };
    }
    const c = await createDiscountCode(env, viewer, { ...formToObject(form), productIds: form.getAll("productIds").map(String) });
    return { ok: true as const, message: `${c.code} is live. Share it, or link to a product with ?code=${c.code}.` };
  });
}

const dateLabel = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

export default function DashboardDiscounts() {
  const { codes, products, tiers, services } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [kind, setKind] = useState<"percent" | "amount">("percent");
  const [appliesTo, setAppliesTo] = useState<"all" | "chosen">("all");
  const fe = result && "fieldErrors" in result ? result.fieldErrors : {};
  const [duration, setDuration] = useState<"once" | "repeating" | "forever">("once");
  // Fixed and pay-what-you-want products, paid tiers and services can take codes (D113, D114).
  const groups = [
    { label: "Products", items: products.filter((p) => p.pricing !== "free") },
    { label: "Memberships", items: tiers },
    { label: "Services", items: services },
  ].filter((g) => g.items.length);
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <h1 className="text-2xl font-bold tracking-tight">Discount codes</h1>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_340px]">
        <section aria-labelledby="codes-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="codes-h" className="font-semibold">
            Your codes
          </h2>
          {codes.length ? (
            <ul className="mt-2 divide-y divide-slate-100">
              {codes.map((c) => (
                <li key={c.id} className="py-3 text-sm" data-testid="discount-code">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span className="font-mono font-semibold text-slate-900">{c.code}</span>
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ${c.live ? "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200" : "bg-slate-100 text-slate-600"}`}
                    >
                      {c.live ? "Live" : c.status === "archived" ? "Off" : "Expired"}
                    </span>
                  </div>
                  <p className="text-slate-700">
                    {c.label} · {c.appliesTo === "all" ? "everything you sell" : c.products.join(", ")}
                    {c.firstTimeOnly ? " · first-time buyers only" : ""}
                  </p>
                  <p className="text-xs text-slate-500">
                    Used {c.redeemed}
                    {c.maxRedemptions !== null ? ` of ${c.maxRedemptions}` : ""}
                    {c.reserved ? ` (+${c.reserved} in open checkouts)` : ""}
                    {c.discounted ? ` · ${formatMoney(c.discounted, c.currency ?? "usd")} given` : ""}
                    {c.expiresAt ? ` · until ${dateLabel(c.expiresAt)}` : ""}
                  </p>
                  {c.status === "active" ? (
                    <Form method="post" className="mt-1">
                      <input type="hidden" name="intent" value="archive" />
                      <input type="hidden" name="codeId" value={c.id} />
                      <button type="submit" className="text-xs font-medium text-rose-700 hover:underline">
                        Turn off
                      </button>
                    </Form>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <div className="mt-3">
              <EmptyState icon="star" title="No codes yet">
                Make a launch code, a thank-you for your members, or a one-off for a newsletter.
              </EmptyState>
            </div>
          )}
        </section>
        <section aria-labelledby="new-h" className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
          <h2 id="new-h" className="font-semibold">
            New code
          </h2>
          <Form method="post" className="mt-3 space-y-3" noValidate>
            <Field label="Code" name="code" autoCapitalize="characters" placeholder="LAUNCH20" error={fe.code} />
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">Discount</legend>
              <div className="mt-1 flex gap-4 text-sm">
                <label className="flex items-center gap-1.5">
                  <input type="radio" name="kind" value="percent" checked={kind === "percent"} onChange={() => setKind("percent")} />{" "}
                  Percent off
                </label>
                <label className="flex items-center gap-1.5">
                  <input type="radio" name="kind" value="amount" checked={kind === "amount"} onChange={() => setKind("amount")} /> Amount
                  off
                </label>
              </div>
            </fieldset>
            <div className="flex gap-2">
              <Field
                className="flex-1"
                label={kind === "percent" ? "Percent (1–100)" : "Amount"}
                name="value"
                inputMode="decimal"
                placeholder={kind === "percent" ? "20" : "5.00"}
                error={fe.value}
              />
              {kind === "amount" ? (
                <div>
                  <label htmlFor="currency" className="block text-sm font-medium text-slate-800">
                    Currency
                  </label>
                  <select id="currency" name="currency" className="mt-1 rounded-lg border border-slate-300 px-2 py-2 text-sm">
                    {["usd", "eur", "gbp", "cad", "aud", "jpy"].map((c) => (
                      <option key={c} value={c}>
                        {c.toUpperCase()}
                      </option>
                    ))}
                  </select>
                </div>
              ) : null}
            </div>
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">For</legend>
              <div className="mt-1 space-y-1 text-sm">
                <label className="flex items-center gap-1.5">
                  <input type="radio" name="appliesTo" value="all" checked={appliesTo === "all"} onChange={() => setAppliesTo("all")} />{" "}
                  Everything I sell
                </label>
                <label className="flex items-center gap-1.5">
                  <input
                    type="radio"
                    name="appliesTo"
                    value="chosen"
                    checked={appliesTo === "chosen"}
                    onChange={() => setAppliesTo("chosen")}
                  />{" "}
                  Chosen products, memberships or services
                </label>
              </div>
              {appliesTo === "chosen" ? (
                <div className="mt-2 max-h-40 space-y-1 overflow-auto rounded-lg border border-slate-200 p-2 text-sm">
                  {groups.length ? (
                    groups.map((g) => (
                      <fieldset key={g.label}>
                        <legend className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{g.label}</legend>
                        {g.items.map((p) => (
                          <label key={p.id} className="flex items-center gap-1.5">
                            <input type="checkbox" name="productIds" value={p.id} /> {p.title}
                          </label>
                        ))}
                      </fieldset>
                    ))
                  ) : (
                    <p className="text-slate-500">Nothing paid to sell yet.</p>
                  )}
                </div>
              ) : null}
              {fe.productIds ? (
                <p role="alert" className="mt-1 text-sm text-red-700">
                  {fe.productIds}
                </p>
              ) : null}
            </fieldset>
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">On memberships</legend>
              <div className="mt-1 space-y-1 text-sm">
                {(
                  [
                    ["once", "The first payment only"],
                    ["repeating", "A number of months"],
                    ["forever", "Every payment"],
                  ] as const
                ).map(([value, label]) => (
                  <label key={value} className="flex items-center gap-1.5">
                    <input type="radio" name="duration" value={value} checked={duration === value} onChange={() => setDuration(value)} />{" "}
                    {label}
                  </label>
                ))}
              </div>
              {duration === "repeating" ? (
                <Field
                  className="mt-2"
                  label="Months"
                  name="durationMonths"
                  inputMode="numeric"
                  placeholder="3"
                  error={fe.durationMonths}
                />
              ) : null}
            </fieldset>
            <Field label="Expires (optional)" name="expires" type="date" error={fe.expires} hint="Works until the end of that day (UTC)." />
            <Field
              label="Maximum uses (optional)"
              name="maxRedemptions"
              inputMode="numeric"
              placeholder="Unlimited"
              error={fe.maxRedemptions}
            />
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="firstTimeOnly" /> First-time buyers only
            </label>
            <Button type="submit" className="w-full" disabled={busy}>
              Create code
            </Button>
          </Form>
        </section>
      </div>
    </div>
  );
}
