import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AuthCard } from "~/components/auth-card";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { isAppError } from "~/lib/errors";
import { handleForm } from "~/lib/http.server";
import { checkEmailLink, undoEmailChange } from "~/modules/accounts/service.server";
import { endSession } from "~/modules/identity/auth.server";
import { data } from "@remix-run/cloudflare";

export const meta: MetaFunction = () => [{ title: "Undo email change — All Thrive" }, { name: "referrer", content: "no-referrer" }];

export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    return { invalid: null, ...(await checkEmailLink(context.cloudflare.env, params.token, "undo_email_change")) };
  } catch (e) {
    if (isAppError(e)) return { invalid: e.message, email: "" };
    throw e;
  }
}

/** Restores the old address and ends every session (this browser's too). */
export async function action({ params, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  return handleForm(async () => {
    const { email } = await undoEmailChange(env, params.token);
    return data(
      { ok: true as const, message: `Your account's email address is ${email} again, and every device has been signed out.` },
      { headers: { "Set-Cookie": await endSession(env, null) } },
    );
  });
}

export default function UndoEmailChange() {
  const { invalid, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  if (result && "message" in result)
    return (
      <AuthCard title="Change undone">
        <FormSuccess message={result.message} />
        <p className="mt-4 text-sm">
          If someone else changed it, choose a new password now:{" "}
          <Link className="font-semibold text-brand-700 hover:underline" to="/forgot-password">
            reset your password
          </Link>
          .
        </p>
      </AuthCard>
    );
  if (invalid) return <AuthCard title="This link doesn't work">{<FormError message={invalid} />}</AuthCard>;
  return (
    <AuthCard title="Undo the email change?" subtitle={`Restore ${email} as your account's address and sign every device out.`}>
      <Form method="post" className="space-y-4">
        {result && "formError" in result ? <FormError message={result.formError} /> : null}
        <Button type="submit" variant="danger" className="w-full" disabled={busy}>
          Undo the change
        </Button>
      </Form>
    </AuthCard>
  );
}
