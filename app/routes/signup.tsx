import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, Field, FormError } from "~/components/ui/form";
import { clientIp, handleForm } from "~/lib/http.server";
import { safeRedirect } from "~/lib/redirects";
import { formToObject } from "~/lib/validation";
import { requireAnonymous } from "~/modules/identity/auth.server";
import { registerAccount } from "~/modules/accounts/service.server";
import { recordReferral } from "~/modules/affiliates/service.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

export const meta: MetaFunction = () => [{ title: "Sign up — All Thrive" }];

export function loader({ context }: LoaderFunctionArgs) {
  requireAnonymous(context.viewer);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleForm(async () => {
    const form = formToObject(await request.formData());
    const { setCookie, user } = await registerAccount(context.cloudflare.env, form, clientIp(request));
    // A creator's referral link (/join?ref=CODE, decision 0111): recorded once, at sign-up.
    if (form.ref) await recordReferral(context.cloudflare.env, user.id, String(form.ref));
    throw redirect(safeRedirect(form.redirectTo, "/?welcome=1"), { headers: { "Set-Cookie": setCookie } });
  });
}

export default function SignUp() {
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const [params] = useSearchParams();
  const busy = useNavigation().state === "submitting";
  const showFormError = result && "formError" in result && !Object.keys(errors).length;
  return (
    <AuthCard
      title="Create your account"
      subtitle="Show your AI apps, write about your journey and get paid for what you know."
      footer={
        <>
          Already have an account?{" "}
          <Link className="font-semibold text-brand-700 hover:underline" to="/login">
            Log in
          </Link>
        </>
      }
    >
      <Form method="post" className="space-y-4" noValidate>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? ""} />
        {params.get("ref") ? <input type="hidden" name="ref" value={params.get("ref") ?? ""} /> : null}
        {params.get("ref") ? (
          <p className="rounded-lg bg-brand-50 px-3 py-2 text-sm text-brand-800" role="note">
            You were invited by a creator on All Thrive. Welcome!
          </p>
        ) : null}
        {showFormError ? <FormError message={result.formError} /> : null}
        <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          hint="At least 10 characters."
          error={errors.password}
        />
        <Button type="submit" className="w-full" disabled={busy}>
          {busy ? "Creating account…" : "Sign up"}
        </Button>
      </Form>
    </AuthCard>
  );
}
