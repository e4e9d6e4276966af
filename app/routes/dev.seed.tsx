import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { seedDemo } from "~/modules/demo/seed.server";

/** Local-only: seeds the demo data (used by `npm start`). 404 anywhere but local development. */
export async function action({ context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  if (env.APP_ENV !== "development") throw data({ message: "Not found" }, { status: 404 });
  return Response.json(await seedDemo(env));
}

export function loader() {
  throw data({ message: "Not found" }, { status: 404 });
}
