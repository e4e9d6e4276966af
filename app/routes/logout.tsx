import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { endSession } from "~/modules/identity/auth.server";

export async function action({ context }: ActionFunctionArgs) {
  const setCookie = await endSession(context.cloudflare.env, context.sessionId);
  return redirect("/", { headers: { "Set-Cookie": setCookie } });
}

export const loader = () => redirect("/");
