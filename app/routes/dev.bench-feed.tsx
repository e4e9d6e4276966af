import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { benchFeed } from "~/modules/demo/feed-bench.server";

/** Local-only seeding and probes for the feed benchmark. 404 anywhere but APP_ENV=development. */
export async function action({ request, context }: ActionFunctionArgs) {
  return jsonOrError(async () => benchFeed(context.cloudflare.env, await request.json().catch(() => null)));
}

export function loader() {
  throw data({ message: "Not found" }, { status: 404 });
}
