import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { seedDemo } from "~/modules/demo/seed.server";

/** A resource route answers with a Response (a thrown `data()` here is logged as a server error). */
const notFound = () => Response.json({ message: "Not found" }, { status: 404 });

/** Local-only: seeds the demo data (used by `npm start`). 404 anywhere but local development. */
export async function action({ context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  if (env.APP_ENV !== "development") return notFound();
  return Response.json(await seedDemo(env));
}

export function loader() {
  return notFound();
}
