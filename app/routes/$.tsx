import { data } from "@remix-run/cloudflare";

/** Any unmatched path renders the friendly 404 through the root error boundary. */
export function loader() {
  throw data(
    { message: "We couldn't find the page you were looking for. It may have moved, or the link may be mistyped." },
    { status: 404 },
  );
}

export default function NotFound() {
  return null;
}
