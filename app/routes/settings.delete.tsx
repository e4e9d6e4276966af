import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Button, Field, FormError } from "~/components/ui/form";
import { handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { endSession, requireViewer } from "~/modules/identity/auth.server";
import { deleteAccount, deletionPreview } from "~/modules/accounts/deletion.server";

export const meta: MetaFunction = () => [{ title: "Delete your account — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return deletionPreview(context.cloudflare.env, viewer);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    await deleteAccount(env, viewer, form);
    return redirect("/?deleted=1", { headers: { "Set-Cookie": await endSession(env, null) } });
  });
}

const day = (s: number | null) =>
  s
    ? new Date(s * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
    : "the end of the period";

export default function DeleteAccount() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <h1 className="text-2xl font-bold tracking-tight">Delete your account</h1>
      <section aria-labelledby="what-h" className="space-y-3 rounded-2xl border border-rose-200 bg-white p-6 shadow-sm">
        <h2 id="what-h" className="text-lg font-semibold">
          What happens
        </h2>
        <ul className="list-disc space-y-2 pl-5 text-slate-700">
          <li>
            <strong>Your memberships</strong>{" "}
            {d.held.length
              ? `(${d.held.map((h) => h.tierName).join(", ")}) are canceled at the end of their current period: you keep access until then and are not charged again. Free memberships end now.`
              : "— you have none."}
          </li>
          {d.handle ? (
            <>
              <li>
                <strong>Your storefront @{d.handle}</strong>, apps and posts disappear at once. Your tiers stop renewing:{" "}
                {d.members
                  ? `your ${d.members} member(s) are emailed, their memberships are canceled at the end of the period they paid for, and they are not charged again.`
                  : "you have no members."}
              </li>
              <li>
                <strong>People who bought your products keep them</strong>: the files stay downloadable from their library (/library). The
                products are taken off sale.
              </li>
              <li>
                <strong>Payouts</strong> for sales already made keep settling to your Stripe account as usual.
              </li>
              <li>
                <strong>Your handle</strong>{" "}
                {`is reserved for ${d.handleReservedDays} days so nobody can pose as you, then anyone may claim it.`}
              </li>
            </>
          ) : null}
          <li>
            <strong>Your personal data</strong> — email, password, profile, follows, notifications, feed and private RSS links — is deleted
            and you are signed out everywhere. Orders stay, without your name or email, because the amounts are accounting records we must
            keep.
          </li>
        </ul>
        {d.held.some((h) => h.paid) ? (
          <p className="text-sm text-slate-600">
            Paid memberships end on:{" "}
            {d.held
              .filter((h) => h.paid)
              .map((h) => `${h.tierName} — ${day(h.periodEnd)}`)
              .join("; ")}
            .
          </p>
        ) : null}
      </section>
      <Form method="post" className="space-y-4 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
        <Field
          label="Your password, to confirm"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={errors.password}
        />
        <Button variant="danger" disabled={busy}>
          Delete my account
        </Button>
      </Form>
    </div>
  );
}
