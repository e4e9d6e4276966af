import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, Field, FormError, FormSuccess } from "~/components/ui/form";
import { clientIp, handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requestPasswordReset } from "~/modules/accounts/service.server";
import { requireAnonymous } from "~/modules/identity/auth.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

export const meta: MetaFunction = () => [{ title: "Forgot password — All Thrive" }];

export function loader({ context }: LoaderFunctionArgs) {
  requireAnonymous(context.viewer);
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  return handleForm(async () => {
    const form = formToObject(await request.formData());
    return { ok: true as const, ...(await requestPasswordReset(context.cloudflare.env, form, clientIp(request))) };
  });
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>();
  const errors = result && "fieldErrors" in result ? result.fieldErrors : {};
  const busy = useNavigation().state === "submitting";
  return (
    <AuthCard
      title="Forgot your password?"
      subtitle="Enter the email address of your account and we'll email you a link to choose a new password."
      footer={
        <>
          Remembered it?{" "}
          <Link className="font-semibold text-brand-700 hover:underline" to="/login">
            Log in
          </Link>
        </>
      }
    >
      {result && "message" in result ? (
        <FormSuccess message={result.message} />
      ) : (
        <Form method="post" className="space-y-4" noValidate>
          {result && "formError" in result && !Object.keys(errors).length ? <FormError message={result.formError} /> : null}
          <Field label="Email" name="email" type="email" autoComplete="email" required error={errors.email} />
          <Button type="submit" className="w-full" disabled={busy}>
            {busy ? "Sending…" : "Email me a reset link"}
          </Button>
        </Form>
      )}
    </AuthCard>
  );
}
