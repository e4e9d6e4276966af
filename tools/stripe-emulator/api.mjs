// The /v1 routes: Stripe's REST surface that the app calls, mapped onto StripeState operations.

import { ApiError } from "./errors.mjs";
import { asArray, bool, int } from "./form.mjs";

/** The platform's own account, for GET /v1/account without a Stripe-Account header. */
const PLATFORM_ACCOUNT = {
  id: "acct_1AllThriveEmulatr",
  object: "account",
  business_profile: { name: "All Thrive", url: "https://allthrive.example" },
  business_type: "company",
  capabilities: { card_payments: "active", transfers: "active" },
  charges_enabled: true,
  country: "US",
  created: 1700000000,
  default_currency: "usd",
  details_submitted: true,
  email: "platform@allthrive.example",
  metadata: {},
  payouts_enabled: true,
  type: "standard",
};

const eq = (field, value) => (o) => value === undefined || o[field] === value;

function listRoute(objectType, url, filters = () => () => true) {
  return (s, p) => s.paginate(s.all(objectType).filter(filters(p, s)), p, url);
}

function createdFilter(p) {
  if (p.created === undefined) return () => true;
  if (typeof p.created !== "object") {
    const t = int(p.created, "created");
    return (o) => o.created === t;
  }
  const { gt, gte, lt, lte } = p.created;
  return (o) =>
    (gt === undefined || o.created > Number(gt)) &&
    (gte === undefined || o.created >= Number(gte)) &&
    (lt === undefined || o.created < Number(lt)) &&
    (lte === undefined || o.created <= Number(lte));
}

const and =
  (...preds) =>
  (o) =>
    preds.every((f) => f(o));

/** [method, pattern, handler(state, params, ctx, pathParams)] */
export const routes = [
  // Connect accounts
  ["POST", "/v1/accounts", (s, p, ctx) => s.createAccount(p, ctx)],
  ["GET", "/v1/accounts", listRoute("account", "/v1/accounts", (p) => createdFilter(p))],
  ["GET", "/v1/accounts/:id", (s, p, ctx, { id }) => s.fetch(id, "account")],
  ["POST", "/v1/accounts/:id", (s, p, ctx, { id }) => s.updateAccount(id, p)],
  ["POST", "/v1/accounts/:id/login_links", (s, p, ctx, { id }) => s.createLoginLink(id)],
  ["GET", "/v1/account", (s, p, ctx) => (ctx.account ? s.fetch(ctx.account, "account") : PLATFORM_ACCOUNT)],
  ["POST", "/v1/account_links", (s, p) => s.createAccountLink(p)],

  // Catalog
  ["POST", "/v1/products", (s, p, ctx) => s.createProduct(p, ctx)],
  [
    "GET",
    "/v1/products",
    listRoute("product", "/v1/products", (p) =>
      and(eq("active", bool(p.active, "active")), createdFilter(p), (o) => !p.ids || asArray(p.ids).includes(o.id)),
    ),
  ],
  ["GET", "/v1/products/:id", (s, p, ctx, { id }) => s.fetch(id, "product")],
  ["POST", "/v1/products/:id", (s, p, ctx, { id }) => s.updateProduct(id, p)],
  ["DELETE", "/v1/products/:id", (s, p, ctx, { id }) => s.deleteProduct(id)],
  ["POST", "/v1/prices", (s, p, ctx) => s.createPrice(p, ctx)],
  [
    "GET",
    "/v1/prices",
    listRoute("price", "/v1/prices", (p) =>
      and(
        eq("product", p.product),
        eq("active", bool(p.active, "active")),
        eq("type", p.type),
        eq("currency", p.currency),
        (o) => !p.lookup_keys || asArray(p.lookup_keys).includes(o.lookup_key),
        (o) => !p.recurring?.interval || o.recurring?.interval === p.recurring.interval,
        createdFilter(p),
      ),
    ),
  ],
  ["GET", "/v1/prices/:id", (s, p, ctx, { id }) => s.fetch(id, "price")],
  ["POST", "/v1/prices/:id", (s, p, ctx, { id }) => s.updatePrice(id, p)],

  // Customers
  ["POST", "/v1/customers", (s, p, ctx) => s.createCustomer(p, ctx)],
  ["GET", "/v1/customers", listRoute("customer", "/v1/customers", (p) => and(eq("email", p.email), createdFilter(p)))],
  ["GET", "/v1/customers/:id", (s, p, ctx, { id }) => s.fetch(id, "customer")],
  ["POST", "/v1/customers/:id", (s, p, ctx, { id }) => s.updateCustomer(id, p)],
  ["DELETE", "/v1/customers/:id", (s, p, ctx, { id }) => s.deleteCustomer(id)],

  // Checkout
  ["POST", "/v1/coupons", (s, p, ctx) => s.createCoupon(p, ctx)],
  ["GET", "/v1/coupons/:id", (s, p, ctx, { id }) => s.fetch(id, "coupon")],
  ["DELETE", "/v1/coupons/:id", (s, p, ctx, { id }) => s.deleteCoupon(id)],
  ["POST", "/v1/checkout/sessions", (s, p, ctx) => s.createCheckoutSession(p, ctx)],
  [
    "GET",
    "/v1/checkout/sessions",
    listRoute("checkout.session", "/v1/checkout/sessions", (p) =>
      and(
        eq("customer", p.customer),
        eq("payment_intent", p.payment_intent),
        eq("subscription", p.subscription),
        eq("status", p.status),
        (o) => !p.customer_details?.email || o.customer_details?.email === p.customer_details.email,
        createdFilter(p),
      ),
    ),
  ],
  [
    "GET",
    "/v1/checkout/sessions/:id",
    (s, p, ctx, { id }) => {
      const session = s.fetch(id, "checkout.session", "checkout.session");
      s.expireIfDue(session);
      return session;
    },
  ],
  ["GET", "/v1/checkout/sessions/:id/line_items", (s, p, ctx, { id }) => s.sessionLineItems(id, p)],
  ["POST", "/v1/checkout/sessions/:id/expire", (s, p, ctx, { id }) => s.expireCheckoutSession(id)],

  // Billing
  [
    "GET",
    "/v1/subscriptions",
    listRoute("subscription", "/v1/subscriptions", (p) => {
      const status = p.status ?? null;
      return and(
        eq("customer", p.customer),
        // Like Stripe: canceled subscriptions are listed only with status=canceled or status=all.
        (o) => (status === "all" ? true : status ? o.status === status : o.status !== "canceled"),
        (o) => !p.price || o.items.data.some((i) => i.price.id === p.price),
        createdFilter(p),
      );
    }),
  ],
  ["GET", "/v1/subscriptions/:id", (s, p, ctx, { id }) => s.fetch(id, "subscription")],
  ["POST", "/v1/subscriptions/:id", (s, p, ctx, { id }) => s.updateSubscription(id, p)],
  ["DELETE", "/v1/subscriptions/:id", (s, p, ctx, { id }) => s.cancelSubscription(id, p)],
  [
    "GET",
    "/v1/subscription_items",
    (s, p) => {
      if (!p.subscription) throw new ApiError(400, "Missing required param: subscription.", { param: "subscription" });
      const sub = s.fetch(p.subscription, "subscription", "subscription", "subscription");
      return s.paginate([...sub.items.data], p, "/v1/subscription_items");
    },
  ],
  ["POST", "/v1/invoices/create_preview", (s, p) => s.previewInvoice(p)],
  ["POST", "/v1/subscription_schedules", (s, p) => s.createSubscriptionSchedule(p)],
  [
    "GET",
    "/v1/subscription_schedules",
    listRoute("subscription_schedule", "/v1/subscription_schedules", (p) => and(eq("customer", p.customer), createdFilter(p))),
  ],
  ["GET", "/v1/subscription_schedules/:id", (s, p, ctx, { id }) => s.fetch(id, "subscription_schedule")],
  ["POST", "/v1/subscription_schedules/:id", (s, p, ctx, { id }) => s.updateSubscriptionSchedule(id, p)],
  ["POST", "/v1/subscription_schedules/:id/release", (s, p, ctx, { id }) => s.releaseSubscriptionSchedule(id)],
  [
    "GET",
    "/v1/invoices",
    listRoute("invoice", "/v1/invoices", (p) =>
      and(eq("customer", p.customer), eq("subscription", p.subscription), eq("status", p.status), createdFilter(p)),
    ),
  ],
  ["GET", "/v1/invoices/:id", (s, p, ctx, { id }) => s.fetch(id, "invoice")],
  [
    "GET",
    "/v1/invoices/:id/lines",
    (s, p, ctx, { id }) => s.paginate([...s.fetch(id, "invoice").lines.data], p, `/v1/invoices/${id}/lines`),
  ],
  ["POST", "/v1/billing_portal/sessions", (s, p) => s.createPortalSession(p)],

  // Payments
  [
    "GET",
    "/v1/payment_intents",
    listRoute("payment_intent", "/v1/payment_intents", (p) => and(eq("customer", p.customer), createdFilter(p))),
  ],
  ["GET", "/v1/payment_intents/:id", (s, p, ctx, { id }) => s.fetch(id, "payment_intent")],
  [
    "GET",
    "/v1/charges",
    listRoute("charge", "/v1/charges", (p) => and(eq("customer", p.customer), eq("payment_intent", p.payment_intent), createdFilter(p))),
  ],
  ["GET", "/v1/charges/:id", (s, p, ctx, { id }) => s.fetch(id, "charge")],
  ["GET", "/v1/payment_methods/:id", (s, p, ctx, { id }) => s.fetch(id, "payment_method")],
  ["POST", "/v1/refunds", (s, p) => s.createRefund(p)],
  [
    "GET",
    "/v1/refunds",
    listRoute("refund", "/v1/refunds", (p) => and(eq("charge", p.charge), eq("payment_intent", p.payment_intent), createdFilter(p))),
  ],
  ["GET", "/v1/refunds/:id", (s, p, ctx, { id }) => s.fetch(id, "refund")],
  ["GET", "/v1/disputes", listRoute("dispute", "/v1/disputes", (p) => and(eq("charge", p.charge), eq("payment_intent", p.payment_intent)))],
  ["GET", "/v1/disputes/:id", (s, p, ctx, { id }) => s.fetch(id, "dispute")],
  ["POST", "/v1/disputes/:id", (s, p, ctx, { id }) => s.updateDispute(id, p)],
  ["POST", "/v1/transfers", (s, p) => s.createTransfer(p)],
  [
    "GET",
    "/v1/transfers",
    listRoute("transfer", "/v1/transfers", (p) =>
      and(eq("destination", p.destination), eq("transfer_group", p.transfer_group), createdFilter(p)),
    ),
  ],
  ["GET", "/v1/transfers/:id", (s, p, ctx, { id }) => s.fetch(id, "transfer")],
  ["POST", "/v1/transfers/:id/reversals", (s, p, ctx, { id }) => s.createTransferReversal(id, p)],
  [
    "GET",
    "/v1/transfers/:id/reversals",
    (s, p, ctx, { id }) => s.paginate([...s.fetch(id, "transfer").reversals.data], p, `/v1/transfers/${id}/reversals`),
  ],
  ["GET", "/v1/application_fees/:id", (s, p, ctx, { id }) => s.fetch(id, "application_fee")],

  // Events
  [
    "GET",
    "/v1/events",
    listRoute("event", "/v1/events", (p) =>
      and(
        (o) => !p.type || (p.type.endsWith("*") ? o.type.startsWith(p.type.slice(0, -1)) : o.type === p.type),
        (o) => !p.types || asArray(p.types).includes(o.type),
        createdFilter(p),
      ),
    ),
  ],
  ["GET", "/v1/events/:id", (s, p, ctx, { id }) => s.fetch(id, "event")],
];

/** Compiles `/v1/things/:id` patterns into matchers. */
export function compileRoutes(table) {
  return table.map(([method, pattern, handler]) => {
    const names = [];
    const re = new RegExp(
      "^" +
        pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\?\/:([a-z_]+)/g, (_, name) => {
          names.push(name);
          return "/([^/]+)";
        }) +
        "/?$",
    );
    return { method, re, names, handler };
  });
}

/** Finds the route for method+path. Returns {handler, params} or {methodMismatch} or null. */
export function matchRoute(compiled, method, path) {
  let pathMatched = false;
  for (const r of compiled) {
    const m = r.re.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    return { handler: r.handler, params };
  }
  return pathMatched ? { methodMismatch: true } : null;
}
