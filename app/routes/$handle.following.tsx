import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { PeoplePage } from "~/components/people-list";
import { orRespond } from "~/lib/http.server";
import { getPeoplePage } from "~/modules/follows/pages.server";

export async function loader({ params, request, context }: LoaderFunctionArgs) {
  const cursor = new URL(request.url).searchParams.get("cursor");
  return orRespond(() => getPeoplePage(context.cloudflare.env, params.handle ?? "", "following", cursor));
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Following · ${data.creator.displayName} — All Thrive` : "Not found — All Thrive" },
];

export default function Following() {
  return <PeoplePage which="following" data={useLoaderData<typeof loader>()} />;
}
