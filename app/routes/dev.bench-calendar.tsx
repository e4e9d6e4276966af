import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { calendarStorm } from "~/modules/demo/bench-calendar.server";

/** Local-only booking storm for `npm run bench:services`. 404 anywhere but APP_ENV=development. */
export async function action({ request, context }: ActionFunctionArgs) {
  return jsonOrError(async () => calendarStorm(context.cloudflare.env, await request.json().catch(() => null)));
}

export function loader() {
  throw data({ message: "Not found" }, { status: 404 });
}
