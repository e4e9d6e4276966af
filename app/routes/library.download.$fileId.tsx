import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { downloadFile } from "~/modules/products/service.server";

/** Authorised download: entitlement checked on every request; 403 anonymous, 404 everyone else. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return downloadFile(context.cloudflare.env, context.viewer, params.fileId ?? "", request);
}
