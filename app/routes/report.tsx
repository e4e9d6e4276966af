import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { clientIp, handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { fileReport } from "~/modules/community/moderation.server";

/** POST /report — a comment, feedback item, post, app or profile (decision 75). */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = formToObject(await request.formData());
  return handleForm(async () => {
    await fileReport(context.cloudflare.env, context.viewer, form, clientIp(request));
    return { ok: true as const, message: "Thanks — an admin will look at it." };
  });
}

export function loader() {
  throw data({ message: "Use the Report button next to what you want to report." }, { status: 405 });
}
