import { secrets } from "./secrets";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Endpoints that authenticate by signature, not by cookie, and are called cross-origin. */
const ORIGIN_EXEMPT = [/^\/webhooks\//, /^\/unsubscribe$/];

/**
 * CSRF defence: every state-changing request must come from our own origin. Browsers always
 * send Origin on POST/PUT/PATCH/DELETE; a request without one is refused too.
 */
export function checkOrigin(request: Request, env: Env): Response | null {
  if (SAFE_METHODS.has(request.method)) return null;
  const url = new URL(request.url);
  if (ORIGIN_EXEMPT.some((re) => re.test(url.pathname))) return null;
  const origin = request.headers.get("Origin");
  const allowed = new Set([url.origin, new URL(env.PUBLIC_URL).origin]);
  if (origin && allowed.has(origin)) return null;
  return new Response("This request came from another site, so we refused it to protect your account. Reload the page and try again.", {
    status: 403,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

/** Security headers added to every response the Worker produces. */
export function withSecurityHeaders(response: Response, env: Env): Response {
  const res = new Response(response.body, response);
  const h = res.headers;
  h.set("X-Content-Type-Options", "nosniff");
  h.set("X-Frame-Options", "DENY");
  h.set("Referrer-Policy", "strict-origin-when-cross-origin");
  h.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (!h.has("Content-Security-Policy"))
    h.set("Content-Security-Policy", `frame-ancestors 'none'; base-uri 'self'; form-action ${formActionSources(env)}; object-src 'none'`);
  if (env.APP_ENV !== "development") h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  return res;
}

/**
 * Forms may post to us, and our actions redirect on to Stripe's hosted pages (Checkout, Connect
 * onboarding, billing portal) — or, without a Stripe key, to the local Stripe emulator.
 */
function formActionSources(env: Env): string {
  const list = ["'self'", "https://checkout.stripe.com", "https://connect.stripe.com", "https://billing.stripe.com"];
  if (!secrets(env).STRIPE_SECRET_KEY && env.APP_ENV !== "production") {
    const host = env.STRIPE_API_HOST || "127.0.0.1";
    list.push(`${env.STRIPE_API_PROTOCOL || "http"}://${host}:${env.STRIPE_API_PORT || 12111}`);
  }
  return list.join(" ");
}
