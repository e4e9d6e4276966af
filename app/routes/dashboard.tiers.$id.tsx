import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { TierForm } from "~/components/money/tier-form";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { handleForm, orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { saveTier, setTierStatus } from "~/modules/tiers/service.server";
import { getTierDashboard } from "~/pages/dashboard.server";
import { giveCompMembership, messageTierMembers, removeMember } from "~/modules/payments/members.server";
import { formatDate } from "~/lib/dates";

export const meta: MetaFunction = () => [{ title: "Edit tier — All Thrive" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  return orRespond(() => getTierDashboard(env, viewer, params.id ?? ""));
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    const tierId = params.id ?? "";
    if (form.intent === "comp") {
      const c = await giveCompMembership(env, viewer, tierId, form);
      return { ok: true as const, message: `${c.email} is a member for free until ${formatDate(c.endsAt)}.` };
    }
    if (form.intent === "remove") {
      const r = await removeMember(env, viewer, tierId, form);
      return { ok: true as const, message: r.refunded ? "Removed, and their latest payment refunded." : "Removed." };
    }
    if (form.intent === "message") {
      const m = await messageTierMembers(env, viewer, tierId, form);
      return { ok: true as const, message: `Message queued for ${m.recipients} member${m.recipients === 1 ? "" : "s"}.` };
    }
    if (form.intent === "archive" || form.intent === "restore") {
      await setTierStatus(env, viewer, params.id ?? "", form.intent === "archive" ? "archived" : "active");
      return {
        ok: true as const,
        message: form.intent === "archive" ? "Archived: hidden from your storefront; current members keep their membership." : "Restored.",
      };
    }
    await saveTier(env, viewer, params.id ?? "", form);
    return { ok: true as const, message: "Saved. Price changes apply to new members; existing members keep their price." };
  });
}

export default function EditTier() {
  const { tier, waitlistCount, members } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <Link to="/dashboard" className="inline-block text-sm text-brand-700 hover:underline">
        ← Dashboard
      </Link>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">{tier.name}</h1>
          <p className="text-sm text-slate-600">
            {tier.priceLabel}
            {tier.maxSubscribers !== null ? ` · ${tier.seatsLeftLabel} · ${waitlistCount} waiting` : ""}
          </p>
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value={tier.status === "archived" ? "restore" : "archive"} />
          <Button type="submit" variant="secondary">
            {tier.status === "archived" ? "Restore" : "Archive"}
          </Button>
        </Form>
      </div>
      {result && "message" in result ? <FormSuccess message={result.message} /> : null}
      {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <TierForm defaults={tier} errors={errors} busy={busy} submitLabel="Save tier" />
      </div>
      <section aria-labelledby="members-h" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 id="members-h" className="text-lg font-semibold">
          Members ({members.filter((m) => m.live).length})
        </h2>
        {members.length === 0 ? (
          <p className="text-sm text-slate-500">No members yet.</p>
        ) : (
          <ul className="divide-y divide-slate-200" data-testid="members">
            {members.map((m) => (
              <li key={m.id} className="flex flex-wrap items-center justify-between gap-3 py-3">
                <span>
                  <span className="font-medium">{m.member}</span>{" "}
                  <span className="text-sm text-slate-500">
                    {m.status} · {m.priceLabel}
                    {m.periodEnd ? ` · ${m.cancelAtPeriodEnd || !m.paid ? "ends" : "renews"} ${formatDate(m.periodEnd)}` : ""}
                  </span>
                </span>
                {m.live ? (
                  <Form method="post" className="flex items-center gap-2">
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="membershipId" value={m.id} />
                    {m.paid ? (
                      <select
                        name="refund"
                        aria-label={`Refund for ${m.member}`}
                        className="rounded-lg border border-slate-300 px-2 py-1 text-sm"
                      >
                        <option value="none">No refund</option>
                        <option value="latest">Refund latest payment</option>
                      </select>
                    ) : null}
                    <Button type="submit" variant="danger" disabled={busy}>
                      Remove
                    </Button>
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        <Form method="post" className="flex flex-wrap items-end gap-3 border-t border-slate-200 pt-4">
          <input type="hidden" name="intent" value="comp" />
          <label className="text-sm">
            <span className="block font-medium">Give a free membership</span>
            <input
              name="email"
              type="email"
              required
              placeholder="their account email"
              className="mt-1 rounded-lg border border-slate-300 px-3 py-2"
            />
          </label>
          <label className="text-sm">
            <span className="block font-medium">For</span>
            <select name="months" className="mt-1 rounded-lg border border-slate-300 px-3 py-2">
              <option value="1">1 month</option>
              <option value="3">3 months</option>
              <option value="12">12 months</option>
            </select>
          </label>
          <Button type="submit" variant="secondary" disabled={busy}>
            Give membership
          </Button>
        </Form>
        <Form method="post" className="space-y-3 border-t border-slate-200 pt-4">
          <input type="hidden" name="intent" value="message" />
          <h3 className="font-medium">Message all members</h3>
          <input
            name="subject"
            required
            maxLength={150}
            placeholder="Subject"
            aria-label="Subject"
            className="block w-full rounded-lg border border-slate-300 px-3 py-2"
          />
          <textarea
            name="body"
            required
            rows={5}
            placeholder="Your message (Markdown)"
            aria-label="Message"
            className="block w-full rounded-lg border border-slate-300 px-3 py-2"
          />
          <p className="text-xs text-slate-500">
            Up to 3 messages per tier per day. Members who unsubscribed from your emails are skipped.
          </p>
          <Button type="submit" disabled={busy}>
            Send to members
          </Button>
        </Form>
      </section>
    </div>
  );
}
