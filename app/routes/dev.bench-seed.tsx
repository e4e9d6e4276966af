import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { benchSeed } from "~/modules/demo/bench.server";

/** Local-only bulk seeding for `npm run bench`. 404 anywhere but APP_ENV=development. */
export async function action({ request, context }: ActionFunctionArgs) {
  return jsonOrError(async () => benchSeed(context.cloudflare.env, await request.json().catch(() => null)));
}

export function loader() {
  throw data({ message: "Not found" }, { status: 404 });
}
