import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { OwnerItemStats } from "~/components/analytics/item-stats";
import { redirect } from "@remix-run/cloudflare";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { Avatar } from "~/components/avatar";
import { DiscountCodeField } from "~/components/money/discount-code-field";
import { Button, Field, FormError } from "~/components/ui/form";
import { invariantResponse } from "~/lib/errors";
import { clientIp, handleForm, orRespond } from "~/lib/http.server";
import { passThroughHeaders } from "~/lib/route-headers";
import { guestCookie, guestTokenFrom, newGuestToken, startGuestProductCheckout } from "~/modules/payments/guest.server";
import { startProductCheckout } from "~/modules/payments/checkout.server";
import { getProductPage } from "~/modules/products/service.server";
import { programInvite } from "~/modules/affiliates/service.server";
import { ProgramInvite } from "~/components/affiliates/program-invite";
import { UploadedImage } from "~/components/uploaded-image";

export const headers = passThroughHeaders;

export async function loader({ params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const raw = params.handle ?? "";
    invariantResponse(raw.startsWith("@"), "We couldn't find the page you were looking for.");
    const env = context.cloudflare.env;
    const [page, affiliateInvite] = await Promise.all([
      getProductPage(env, raw.slice(1), params.slug ?? "", context.viewer),
      programInvite(env, { kind: "product", handle: raw.slice(1), slug: params.slug ?? "" }),
    ]);
    invariantResponse(page, "That product doesn't exist (or isn't published yet).");
    return { ...page, affiliateInvite, signedIn: !!context.viewer };
  });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const viewer = context.viewer;
  if (!viewer) {
    // Guest checkout (D71): no account needed; this browser's token opens the thank-you page and the files.
    return handleForm(async () => {
      const token = guestTokenFrom(request) ?? newGuestToken();
      const url = new URL(request.url);
      const { url: next } = await startGuestProductCheckout(context.cloudflare.env, String(form.get("productId") ?? ""), url.origin, {
        amount: String(form.get("amount") ?? ""),
        email: String(form.get("email") ?? ""),
        ip: clientIp(request),
        token,
        cookie: request.headers.get("Cookie"),
        code: String(form.get("code") ?? ""),
      });
      throw redirect(next, { status: 303, headers: { "Set-Cookie": guestCookie(token, url.protocol === "https:") } });
    });
  }
  return handleForm(async () => {
    const { url, owned } = await startProductCheckout(
      context.cloudflare.env,
      viewer,
      String(form.get("productId") ?? ""),
      new URL(request.url).origin,
      {
        amount: String(form.get("amount") ?? ""),
        ip: clientIp(request),
        code: String(form.get("code") ?? ""),
        cookie: request.headers.get("Cookie"),
      },
    );
    throw redirect(url, owned ? 303 : 302);
  });
}

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data
    ? [
        { title: `${data.product.title} by ${data.creator.displayName} — All Thrive` },
        { name: "description", content: data.product.excerpt },
      ]
    : [{ title: "Not found — All Thrive" }];

const size = (n: number) => (n > 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export default function ProductPage() {
  const { product, creator, files, lessons, isOwner, owned, libraryHref, signedIn, affiliateInvite } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const [params] = useSearchParams();
  return (
    <article className="mx-auto grid max-w-5xl gap-8 lg:grid-cols-[1fr_320px]">
      <div className="min-w-0 space-y-6">
        <Link to={`/@${creator.handle}`} className="inline-flex items-center gap-2 text-sm text-slate-600 hover:text-slate-900">
          <Avatar url={creator.avatarUrl} name={creator.displayName} size={28} /> {creator.displayName}
        </Link>
        {product.coverUrl ? (
          <UploadedImage
            src={product.coverUrl}
            alt=""
            sizes="(min-width: 1152px) 1120px, 100vw"
            priority
            className="aspect-[16/9] w-full rounded-2xl object-cover ring-1 ring-slate-200"
          />
        ) : (
          <div
            className="aspect-[16/9] w-full rounded-2xl bg-gradient-to-br from-brand-100 via-fuchsia-100 to-amber-50"
            aria-hidden="true"
          />
        )}
        <div>
          <p className="text-sm font-medium text-brand-700">{product.typeLabel}</p>
          <h1 className="mt-1 text-3xl font-bold tracking-tight text-slate-900">{product.title}</h1>
        </div>
        {isOwner ? <OwnerItemStats kind="product" id={product.id} /> : null}
        <div className="prose-at" dangerouslySetInnerHTML={{ __html: product.descriptionHtml }} />
        {lessons.length ? (
          <section aria-labelledby="lessons-h">
            <h2 id="lessons-h" className="text-lg font-semibold">
              What's inside: {lessons.length} lessons
            </h2>
            <ol className="mt-2 list-decimal space-y-1 pl-6 text-slate-700">
              {lessons.map((l, i) => (
                <li key={i}>{l}</li>
              ))}
            </ol>
          </section>
        ) : null}
      </div>
      <aside className="lg:sticky lg:top-24 lg:self-start">
        <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <p className="text-3xl font-bold tracking-tight tabular-nums">{product.pricing === "pwyw" ? product.suggested : product.price}</p>
          <p className="mt-1 text-sm text-slate-500">
            {product.pricing === "free"
              ? "Free · instant access"
              : product.pricing === "pwyw"
                ? `Pay what you want · suggested price · minimum ${product.minimum}`
                : "One-time purchase · instant access"}
          </p>
          {params.get("checkout") === "canceled" ? (
            <p className="mt-3 text-sm text-slate-600">Checkout canceled — you weren't charged.</p>
          ) : null}
          <div className="mt-4 space-y-3">
            {result && "formError" in result && !result.fieldErrors?.amount && !result.fieldErrors?.email && !result.fieldErrors?.code ? (
              <FormError message={result.formError} />
            ) : null}
            {owned && !isOwner ? (
              <div className="space-y-2" data-testid="owned">
                <p className="text-sm font-semibold text-emerald-800">You own this</p>
                <Link
                  to={libraryHref}
                  className="flex w-full justify-center rounded-lg bg-emerald-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-emerald-700"
                >
                  Open in your library
                </Link>
              </div>
            ) : owned ? (
              <Link
                to="/library"
                className="flex w-full justify-center rounded-lg bg-emerald-600 px-4 py-2.5 text-sm font-semibold text-white hover:bg-emerald-700"
              >
                You made this
              </Link>
            ) : !product.sellable ? (
              <p className="rounded-lg bg-amber-50 px-3 py-2 text-sm font-medium text-amber-800 ring-1 ring-amber-200">
                Coming soon — the creator is finishing payout setup.
              </p>
            ) : (
              <Form method="post" className="space-y-3" noValidate>
                <input type="hidden" name="productId" value={product.id} />
                {!signedIn ? (
                  <Field
                    label="Your email"
                    name="email"
                    type="email"
                    autoComplete="email"
                    error={result && "fieldErrors" in result ? result.fieldErrors?.email : undefined}
                    hint={
                      product.pricing === "free"
                        ? "For your receipt and your library. No account needed."
                        : "Needed only if you pay nothing (a 100%-off code or a price of 0); card payments ask for it at checkout."
                    }
                  />
                ) : null}
                {product.pricing === "pwyw" ? (
                  <Field
                    label="Name your price"
                    name="amount"
                    inputMode="decimal"
                    defaultValue={product.suggestedInput}
                    error={result && "fieldErrors" in result ? result.fieldErrors?.amount : undefined}
                    hint={`${product.currency.toUpperCase()} · minimum ${product.minimum}${product.freeAllowed ? " — enter 0 to get it free" : ""}`}
                  />
                ) : null}
                {product.pricing !== "free" ? (
                  <DiscountCodeField per="purchase" error={result && "fieldErrors" in result ? result.fieldErrors?.code : undefined} />
                ) : null}
                <Button type="submit" className="w-full py-2.5" disabled={busy}>
                  {busy
                    ? product.pricing === "free"
                      ? "Adding to your library…"
                      : "Opening checkout…"
                    : product.pricing === "free"
                      ? "Get it free"
                      : product.pricing === "pwyw"
                        ? "Continue"
                        : `Buy for ${product.price}`}
                </Button>
                {!signedIn ? (
                  <p className="text-xs text-slate-500">
                    No account needed — your receipt and library link go to your email.{" "}
                    <Link
                      to={`/login?redirectTo=${encodeURIComponent(`/@${creator.handle}/products/${product.slug}`)}`}
                      className="underline"
                    >
                      Sign in
                    </Link>{" "}
                    if you have an account.
                  </p>
                ) : null}
              </Form>
            )}
          </div>
          {files.length ? (
            <div className="mt-6">
              <h2 className="text-sm font-semibold text-slate-800">Included files</h2>
              <ul className="mt-2 space-y-1 text-sm text-slate-600">
                {files.map((f, i) => (
                  <li key={i} className="truncate">
                    {f.downloadHref ? (
                      <a className="text-brand-700 hover:underline" href={f.downloadHref}>
                        {f.fileName}
                      </a>
                    ) : (
                      f.fileName
                    )}{" "}
                    <span className="text-slate-400">· {size(f.size)}</span>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          <p className="mt-6 text-xs text-slate-500">
            {product.pricing === "free"
              ? "Free: no card needed. It stays in your library."
              : `Secure checkout by Stripe. ${creator.displayName} receives 92% of your payment.`}
          </p>
        </div>
        <ProgramInvite invite={affiliateInvite} className="mt-4 px-2" />
      </aside>
    </article>
  );
}
