// In-memory Stripe objects and the state changes the emulator supports. Every operation here is
// synchronous: it validates, mutates, and emits events (recorded and queued for delivery by the
// WebhookDispatcher) before returning, so callers can slice the new events off the record list.

import { randomBytes } from "node:crypto";
import { ApiError, missingReference, notFound } from "./errors.mjs";
import { asArray, bool, int, mergeMetadata, num, oneOf, required, str } from "./form.mjs";

export const DEFAULT_API_VERSION = "2026-10-28.endive"; // what stripe@23.1.0 pins

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export function randomId(prefix, length = 24) {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return prefix + out;
}

export const now = () => Math.floor(Date.now() / 1000);
const clone = (v) => (v === undefined ? undefined : structuredClone(v));
const DAY = 86_400;

export const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

/** Adds `count` intervals to a unix timestamp using calendar months (clamped to month end). */
export function addInterval(ts, interval, count = 1) {
  if (interval === "day") return ts + count * DAY;
  if (interval === "week") return ts + count * 7 * DAY;
  const months = interval === "year" ? 12 * count : count;
  const d = new Date(ts * 1000);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

/** Platform fee on a subscription invoice: round half up of amount × percent / 100. */
export function percentFee(amount, percent) {
  if (percent === null || percent === undefined) return null;
  return Math.round(Number(((amount * percent) / 100).toFixed(6)));
}

/** Top-level keys whose values changed, mapped to their old values (Stripe's previous_attributes). */
function diff(before, after) {
  const prev = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) prev[key] = before[key] ?? null;
  }
  return prev;
}

function emptyList(url) {
  return { object: "list", data: [], has_more: false, total_count: 0, url };
}

export class StripeState {
  /**
   * @param {{publicUrl: string, apiVersion?: string, dispatcher: import('./webhooks.mjs').WebhookDispatcher,
   *   requireDestinationCapabilities?: boolean}} options
   */
  constructor(options) {
    this.publicUrl = options.publicUrl;
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.dispatcher = options.dispatcher;
    this.requireDestinationCapabilities = options.requireDestinationCapabilities ?? true;
    this.requestContext = null;
    this.reset();
  }

  reset() {
    /** every object by id, in creation order */
    this.objects = new Map();
    /** id → private data that Stripe does not return (session line items, params kept for later) */
    this.internal = new Map();
    /** object id → connected account it was created on (Stripe-Account header) */
    this.ownerAccount = new Map();
    /** account link token → link record */
    this.accountLinks = new Map();
    this.invoiceSeq = 0;
  }

  // ---------------------------------------------------------------- storage helpers

  put(obj, account) {
    this.objects.set(obj.id, obj);
    if (account) this.ownerAccount.set(obj.id, account);
    return obj;
  }

  get(id) {
    return typeof id === "string" ? this.objects.get(id) : undefined;
  }

  /** Fetches an object of the given `object` type or throws Stripe's 404. */
  fetch(id, objectType, noun = objectType, param = "id") {
    const obj = this.get(id);
    if (!obj || obj.object !== objectType || obj.deleted) throw notFound(noun, id, param);
    return obj;
  }

  /** Like fetch, but a missing reference inside another request's params is a 400. */
  ref(id, objectType, noun, param) {
    const obj = this.get(id);
    if (!obj || obj.object !== objectType || obj.deleted) throw missingReference(noun, id, param);
    return obj;
  }

  all(objectType) {
    const out = [];
    for (const obj of this.objects.values()) if (obj.object === objectType && !obj.deleted) out.push(obj);
    return out.reverse(); // newest first, like Stripe lists
  }

  /** Stripe list envelope with limit / starting_after / ending_before. */
  paginate(items, params, url) {
    const limit = int(params.limit, "limit") ?? 10;
    if (limit < 1 || limit > 100) {
      throw new ApiError(400, "Invalid limit: must be between 1 and 100", { param: "limit" });
    }
    let start = 0;
    let end = items.length;
    if (params.starting_after) {
      const i = items.findIndex((o) => o.id === params.starting_after);
      if (i === -1) throw notFound("object", params.starting_after, "starting_after");
      start = i + 1;
    } else if (params.ending_before) {
      const i = items.findIndex((o) => o.id === params.ending_before);
      if (i === -1) throw notFound("object", params.ending_before, "ending_before");
      end = i;
      start = Math.max(0, end - limit);
    }
    const data = items.slice(start, Math.min(end, start + limit));
    const hasMore = params.ending_before ? start > 0 : start + limit < end;
    return { object: "list", data, has_more: hasMore, url };
  }

  /** Deep copy of obj with `expand` paths (e.g. `line_items`, `data.customer`, `subscription.latest_invoice`). */
  expand(obj, paths) {
    const out = clone(obj);
    for (const path of asArray(paths)) {
      if (typeof path === "string" && path) this.expandPath(out, path.split("."));
    }
    return out;
  }

  expandPath(node, segs) {
    if (!node || typeof node !== "object" || !segs.length) return;
    const [key, ...rest] = segs;
    if (Array.isArray(node)) {
      for (const el of node) this.expandPath(el, segs);
      return;
    }
    if (key === "line_items" && node.object === "checkout.session") {
      node.line_items = this.sessionLineItems(node.id, {});
    } else if (typeof node[key] === "string" && this.objects.has(node[key])) {
      node[key] = clone(this.objects.get(node[key]));
    } else if (Array.isArray(node[key]) && !rest.length) {
      node[key] = node[key].map((v) => (typeof v === "string" && this.objects.has(v) ? clone(this.objects.get(v)) : v));
    }
    this.expandPath(node[key], rest);
  }

  // ---------------------------------------------------------------- events

  /**
   * Records an event about `object` (snapshotted now) and queues its delivery.
   * @param {string} type
   * @param {object} object
   * @param {{previous?: object, account?: string}} [opts]
   */
  emit(type, object, opts = {}) {
    const account = opts.account ?? this.ownerAccount.get(object.id);
    const ctx = this.requestContext;
    const event = {
      id: randomId("evt_"),
      object: "event",
      ...(account ? { account } : {}),
      api_version: this.apiVersion,
      created: now(),
      data: {
        object: clone(object),
        ...(opts.previous && Object.keys(opts.previous).length ? { previous_attributes: clone(opts.previous) } : {}),
      },
      livemode: false,
      pending_webhooks: this.dispatcher.webhookUrl ? 1 : 0,
      request: { id: ctx?.requestId ?? null, idempotency_key: ctx?.idempotencyKey ?? null },
      type,
    };
    this.objects.set(event.id, event);
    return this.dispatcher.record(event);
  }

  /** Runs fn and returns [result, eventRecordsEmittedDuringIt]. */
  track(fn) {
    const start = this.dispatcher.records.length;
    const result = fn();
    return [result, this.dispatcher.records.slice(start)];
  }

  // ---------------------------------------------------------------- accounts

  createAccount(p, ctx = {}) {
    const type =
      oneOf(p.type, ["express", "standard", "custom"], "type") ??
      { express: "express", full: "standard", none: "custom" }[p.controller?.stripe_dashboard?.type] ??
      (p.controller ? "none" : "standard");
    const requested = Object.entries(p.capabilities ?? {})
      .filter(([, v]) => v && bool(v.requested, "capabilities") === true)
      .map(([k]) => k);
    const capabilities = Object.fromEntries((requested.length ? requested : ["card_payments", "transfers"]).map((k) => [k, "inactive"]));
    const country = (str(p.country, "country") ?? "US").toUpperCase();
    const currencyByCountry = { US: "usd", GB: "gbp", CA: "cad", AU: "aud", JP: "jpy", CH: "chf", NZ: "nzd" };
    const due = ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];
    const dashboard = p.controller?.stripe_dashboard?.type ?? (type === "express" ? "express" : type === "standard" ? "full" : "none");
    const id = randomId("acct_", 16);
    const account = {
      id,
      object: "account",
      business_profile: {
        mcc: p.business_profile?.mcc ?? null,
        name: p.business_profile?.name ?? null,
        product_description: p.business_profile?.product_description ?? null,
        support_email: p.business_profile?.support_email ?? null,
        url: p.business_profile?.url ?? null,
      },
      business_type: p.business_type ?? null,
      capabilities,
      charges_enabled: false,
      controller:
        p.controller || type !== "standard"
          ? {
              fees: { payer: p.controller?.fees?.payer ?? "application" },
              is_controller: true,
              losses: { payments: p.controller?.losses?.payments ?? "application" },
              requirement_collection: p.controller?.requirement_collection ?? "stripe",
              stripe_dashboard: { type: dashboard },
              type: "application",
            }
          : { type: "account" },
      country,
      created: now(),
      default_currency: str(p.default_currency, "default_currency") ?? currencyByCountry[country] ?? "usd",
      details_submitted: false,
      email: str(p.email, "email") ?? null,
      external_accounts: emptyList(`/v1/accounts/${id}/external_accounts`),
      future_requirements: {
        alternatives: [],
        current_deadline: null,
        currently_due: [],
        disabled_reason: null,
        errors: [],
        eventually_due: [],
        past_due: [],
        pending_verification: [],
      },
      metadata: mergeMetadata({}, p.metadata),
      payouts_enabled: false,
      requirements: {
        alternatives: [],
        current_deadline: null,
        currently_due: [...due],
        disabled_reason: "requirements.past_due",
        errors: [],
        eventually_due: [...due],
        past_due: [...due],
        pending_verification: [],
      },
      settings: {
        dashboard: { display_name: p.business_profile?.name ?? null, timezone: "Etc/UTC" },
        payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: "daily" }, statement_descriptor: null },
      },
      tos_acceptance: { date: null, ip: null, user_agent: null },
      type,
    };
    return this.put(account, ctx.account);
  }

  updateAccount(id, p) {
    const account = this.fetch(id, "account");
    const before = clone(account);
    if (p.metadata !== undefined) account.metadata = mergeMetadata(account.metadata, p.metadata);
    if (p.email !== undefined) account.email = str(p.email, "email") || null;
    if (p.business_profile && typeof p.business_profile === "object") {
      for (const [k, v] of Object.entries(p.business_profile)) {
        if (k in account.business_profile) account.business_profile[k] = v === "" ? null : v;
      }
    }
    if (p.business_type !== undefined) account.business_type = p.business_type || null;
    const previous = diff(before, account);
    if (Object.keys(previous).length) this.emit("account.updated", account, { previous, account: account.id });
    return account;
  }

  createAccountLink(p) {
    const accountId = required(p.account, "account");
    const account = this.ref(accountId, "account", "account", "account");
    const type = oneOf(required(p.type, "type"), ["account_onboarding", "account_update"], "type");
    for (const param of ["refresh_url", "return_url"]) {
      if (p[param] !== undefined && !/^https?:\/\//.test(p[param])) {
        throw new ApiError(400, `Invalid URL: ${p[param]}`, { param, code: "url_invalid" });
      }
    }
    const token = randomId("", 32);
    const created = now();
    const link = {
      token,
      account: account.id,
      type,
      refresh_url: p.refresh_url ?? null,
      return_url: p.return_url ?? null,
      created,
      expires_at: created + 300,
      visited: false,
      used: false,
    };
    this.accountLinks.set(token, link);
    return {
      object: "account_link",
      created,
      expires_at: link.expires_at,
      url: `${this.publicUrl}/connect/onboarding/${token}`,
    };
  }

  createLoginLink(accountId) {
    const account = this.fetch(accountId, "account");
    return {
      object: "login_link",
      created: now(),
      url: `${this.publicUrl}/connect/dashboard/${account.id}`,
    };
  }

  /** What the hosted "Complete onboarding" button does. Emits account.updated (a Connect event). */
  completeOnboarding(accountId) {
    const account = this.fetch(accountId, "account");
    const before = clone(account);
    account.charges_enabled = true;
    account.payouts_enabled = true;
    account.details_submitted = true;
    for (const k of Object.keys(account.capabilities)) account.capabilities[k] = "active";
    account.requirements = {
      ...account.requirements,
      currently_due: [],
      eventually_due: [],
      past_due: [],
      disabled_reason: null,
    };
    account.tos_acceptance = { date: now(), ip: "127.0.0.1", user_agent: "stripe-emulator" };
    if (!account.business_profile.url) account.business_profile.url = "https://allthrive.example";
    const previous = diff(before, account);
    if (Object.keys(previous).length) this.emit("account.updated", account, { previous, account: account.id });
    return account;
  }

  /**
   * Stripe asks an onboarded account for more information (e.g. a new verification threshold):
   * the fields become past due and charges and payouts are disabled until they are provided.
   * Emits account.updated.
   */
  requireInformation(accountId, p = {}) {
    const account = this.fetch(accountId, "account");
    const before = clone(account);
    const due = Array.isArray(p.fields) && p.fields.length ? p.fields.map(String) : ["individual.verification.document"];
    account.charges_enabled = false;
    account.payouts_enabled = false;
    account.requirements = {
      ...account.requirements,
      currently_due: [...due],
      eventually_due: [...due],
      past_due: [...due],
      disabled_reason: "requirements.past_due",
    };
    const previous = diff(before, account);
    if (Object.keys(previous).length) this.emit("account.updated", account, { previous, account: account.id });
    return account;
  }

  /** Checks a destination account for destination charges, as Stripe does at creation time. */
  assertDestination(accountId, param) {
    const account = this.get(accountId);
    if (!account || account.object !== "account") {
      throw new ApiError(400, `No such destination: '${accountId}'`, { param, code: "resource_missing" });
    }
    if (this.requireDestinationCapabilities && account.capabilities.transfers !== "active") {
      throw new ApiError(
        400,
        "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
        { param, code: "insufficient_capabilities_for_transfer" },
      );
    }
    return account;
  }

  // ---------------------------------------------------------------- products & prices

  createProduct(p, ctx = {}) {
    const name = required(str(p.name, "name"), "name");
    const priceSpec = p.default_price_data
      ? this.normalizePrice(p.default_price_data, "default_price_data", { productPending: true })
      : null;
    const t = now();
    const product = this.put(
      {
        id: str(p.id, "id") || randomId("prod_", 14),
        object: "product",
        active: bool(p.active, "active") ?? true,
        created: t,
        default_price: null,
        description: str(p.description, "description") || null,
        images: asArray(p.images).map(String),
        livemode: false,
        marketing_features: [],
        metadata: mergeMetadata({}, p.metadata),
        name,
        package_dimensions: null,
        shippable: null,
        statement_descriptor: str(p.statement_descriptor, "statement_descriptor") || null,
        tax_code: str(p.tax_code, "tax_code") || null,
        type: "service",
        unit_label: str(p.unit_label, "unit_label") || null,
        updated: t,
        url: str(p.url, "url") || null,
      },
      ctx.account,
    );
    if (priceSpec) product.default_price = this.createPriceFromSpec({ ...priceSpec, productId: product.id }, ctx).id;
    this.emit("product.created", product);
    return product;
  }

  updateProduct(id, p) {
    const product = this.fetch(id, "product");
    const before = clone(product);
    if (p.name !== undefined) product.name = required(str(p.name, "name"), "name");
    if (p.active !== undefined) product.active = bool(p.active, "active");
    if (p.description !== undefined) product.description = str(p.description, "description") || null;
    if (p.images !== undefined) product.images = asArray(p.images).map(String);
    if (p.url !== undefined) product.url = str(p.url, "url") || null;
    if (p.metadata !== undefined) product.metadata = mergeMetadata(product.metadata, p.metadata);
    if (p.default_price !== undefined) {
      if (p.default_price) {
        const price = this.ref(p.default_price, "price", "price", "default_price");
        if (price.product !== product.id) {
          throw new ApiError(400, "The default price must belong to this product.", { param: "default_price" });
        }
      }
      product.default_price = p.default_price || null;
    }
    const previous = diff(before, product);
    if (Object.keys(previous).length) {
      product.updated = now();
      this.emit("product.updated", product, { previous });
    }
    return product;
  }

  deleteProduct(id) {
    const product = this.fetch(id, "product");
    if (this.all("price").some((pr) => pr.product === id)) {
      throw new ApiError(400, "This product cannot be deleted because it has one or more user-created prices.", {
        param: "id",
      });
    }
    this.objects.delete(id);
    this.emit("product.deleted", product);
    return { id, object: "product", deleted: true };
  }

  /**
   * Validates price params without creating anything (so a failing request leaves no trace).
   * @param {string} prefix param prefix for error messages (e.g. `line_items[0][price_data]`)
   */
  normalizePrice(p, prefix = "", { adHoc = false, productPending = false } = {}) {
    const P = (...parts) =>
      prefix
        ? `${prefix}[${parts.join("][")}]`
        : parts[0] +
          parts
            .slice(1)
            .map((x) => `[${x}]`)
            .join("");
    if (!p || typeof p !== "object") throw new ApiError(400, "Invalid object", { param: prefix || undefined });
    const currency = required(str(p.currency, P("currency")), P("currency")).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw new ApiError(400, `Invalid currency: ${currency}`, { param: P("currency") });
    const productId = str(p.product, P("product")) || null;
    let productData = null;
    if (productId) {
      this.ref(productId, "product", "product", P("product"));
    } else if (p.product_data) {
      required(str(p.product_data.name, P("product_data", "name")), P("product_data", "name"));
      productData = p.product_data;
    } else if (!productPending) {
      required(undefined, P("product"));
    }
    let recurring = null;
    if (p.recurring) {
      const interval = oneOf(
        required(p.recurring.interval, P("recurring", "interval")),
        ["day", "week", "month", "year"],
        P("recurring", "interval"),
      );
      const count = int(p.recurring.interval_count, P("recurring", "interval_count")) ?? 1;
      const max = { day: 1095, week: 156, month: 36, year: 3 }[interval];
      if (count < 1 || count > max) {
        throw new ApiError(400, "The maximum billing interval is three years.", { param: P("recurring", "interval_count") });
      }
      recurring = {
        interval,
        interval_count: count,
        meter: null,
        trial_period_days: int(p.recurring.trial_period_days, P("recurring", "trial_period_days")) ?? null,
        usage_type: p.recurring.usage_type ?? "licensed",
      };
    }
    let unitAmount = int(p.unit_amount, P("unit_amount"));
    if (unitAmount === undefined && p.unit_amount_decimal !== undefined) {
      unitAmount = Math.round(num(p.unit_amount_decimal, P("unit_amount_decimal")));
    }
    let custom = null;
    if (p.custom_unit_amount) {
      if (bool(p.custom_unit_amount.enabled, P("custom_unit_amount", "enabled")) !== true) {
        required(undefined, P("custom_unit_amount", "enabled"));
      }
      if (recurring) {
        throw new ApiError(400, "custom_unit_amount cannot be used with recurring prices.", { param: P("custom_unit_amount") });
      }
      if (unitAmount !== undefined && unitAmount !== null) {
        throw new ApiError(400, "You may only specify one of these parameters: custom_unit_amount, unit_amount.", {
          param: P("unit_amount"),
        });
      }
      custom = {
        maximum: int(p.custom_unit_amount.maximum, P("custom_unit_amount", "maximum")) ?? null,
        minimum: int(p.custom_unit_amount.minimum, P("custom_unit_amount", "minimum")) ?? null,
        preset: int(p.custom_unit_amount.preset, P("custom_unit_amount", "preset")) ?? null,
      };
      const { minimum, maximum, preset } = custom;
      if (minimum !== null && maximum !== null && minimum > maximum) {
        throw new ApiError(400, "custom_unit_amount[minimum] must be less than or equal to custom_unit_amount[maximum].", {
          param: P("custom_unit_amount", "minimum"),
        });
      }
      if (preset !== null && ((minimum !== null && preset < minimum) || (maximum !== null && preset > maximum))) {
        throw new ApiError(400, "custom_unit_amount[preset] must be between the minimum and maximum.", {
          param: P("custom_unit_amount", "preset"),
        });
      }
      unitAmount = null;
    } else if (unitAmount === undefined || unitAmount === null) {
      required(undefined, P("unit_amount"));
    } else if (unitAmount < 0) {
      throw new ApiError(400, "Invalid integer: unit_amount must be non-negative", { param: P("unit_amount") });
    }
    return {
      active: adHoc ? false : (bool(p.active, P("active")) ?? true),
      currency,
      custom_unit_amount: custom,
      lookup_key: str(p.lookup_key, P("lookup_key")) || null,
      metadata: mergeMetadata({}, p.metadata, P("metadata")),
      nickname: str(p.nickname, P("nickname")) || null,
      productId,
      productData,
      recurring,
      tax_behavior: p.tax_behavior ?? "unspecified",
      unit_amount: unitAmount,
    };
  }

  createPrice(p, ctx = {}, prefix = "", opts = {}) {
    return this.createPriceFromSpec(this.normalizePrice(p, prefix, opts), ctx);
  }

  /** @param {ReturnType<StripeState['normalizePrice']>} spec */
  createPriceFromSpec(spec, ctx = {}) {
    const productId = spec.productId ?? this.createProduct(spec.productData, ctx).id;
    const price = this.put(
      {
        id: randomId("price_"),
        object: "price",
        active: spec.active,
        billing_scheme: "per_unit",
        created: now(),
        currency: spec.currency,
        custom_unit_amount: spec.custom_unit_amount,
        livemode: false,
        lookup_key: spec.lookup_key,
        metadata: spec.metadata,
        nickname: spec.nickname,
        product: productId,
        recurring: spec.recurring,
        tax_behavior: spec.tax_behavior,
        tiers_mode: null,
        transform_quantity: null,
        type: spec.recurring ? "recurring" : "one_time",
        unit_amount: spec.unit_amount,
        unit_amount_decimal: spec.unit_amount === null ? null : String(spec.unit_amount),
      },
      ctx.account,
    );
    this.emit("price.created", price);
    return price;
  }

  updatePrice(id, p) {
    const price = this.fetch(id, "price");
    const before = clone(price);
    if (p.active !== undefined) price.active = bool(p.active, "active");
    if (p.metadata !== undefined) price.metadata = mergeMetadata(price.metadata, p.metadata);
    if (p.nickname !== undefined) price.nickname = str(p.nickname, "nickname") || null;
    if (p.lookup_key !== undefined) price.lookup_key = str(p.lookup_key, "lookup_key") || null;
    for (const immutable of ["unit_amount", "currency", "recurring", "product", "custom_unit_amount"]) {
      if (p[immutable] !== undefined) {
        throw new ApiError(400, `Received unknown parameter: ${immutable}`, { param: immutable });
      }
    }
    const previous = diff(before, price);
    if (Object.keys(previous).length) this.emit("price.updated", price, { previous });
    return price;
  }

  // ---------------------------------------------------------------- customers

  createCustomer(p, ctx = {}) {
    const customer = this.put(
      {
        id: randomId("cus_", 14),
        object: "customer",
        address: null,
        balance: 0,
        created: now(),
        currency: null,
        default_source: null,
        delinquent: false,
        description: str(p.description, "description") || null,
        discount: null,
        email: str(p.email, "email") || null,
        invoice_prefix: randomId("", 8).toUpperCase(),
        invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
        livemode: false,
        metadata: mergeMetadata({}, p.metadata),
        name: str(p.name, "name") || null,
        next_invoice_sequence: 1,
        phone: str(p.phone, "phone") || null,
        preferred_locales: [],
        shipping: null,
        tax_exempt: "none",
        test_clock: null,
      },
      ctx.account,
    );
    this.emit("customer.created", customer);
    return customer;
  }

  updateCustomer(id, p) {
    const customer = this.fetch(id, "customer");
    const before = clone(customer);
    for (const k of ["email", "name", "description", "phone"]) {
      if (p[k] !== undefined) customer[k] = str(p[k], k) || null;
    }
    if (p.metadata !== undefined) customer.metadata = mergeMetadata(customer.metadata, p.metadata);
    const previous = diff(before, customer);
    if (Object.keys(previous).length) this.emit("customer.updated", customer, { previous });
    return customer;
  }

  deleteCustomer(id) {
    const customer = this.fetch(id, "customer");
    for (const sub of this.all("subscription")) {
      if (sub.customer === id && sub.status !== "canceled") this.cancelSubscription(sub.id, {});
    }
    this.objects.delete(id);
    this.emit("customer.deleted", customer);
    return { id, object: "customer", deleted: true };
  }

  paymentMethodFor(customerId, billing) {
    if (customerId) {
      const existing = this.internal.get(customerId)?.paymentMethod;
      if (existing) return this.get(existing);
    }
    const pm = this.put({
      id: randomId("pm_"),
      object: "payment_method",
      billing_details: { address: null, email: billing.email ?? null, name: billing.name ?? null, phone: null },
      card: {
        brand: "visa",
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
        country: "US",
        display_brand: "visa",
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 5,
        funding: "credit",
        last4: "4242",
        networks: { available: ["visa"], preferred: null },
      },
      created: now(),
      customer: customerId ?? null,
      livemode: false,
      metadata: {},
      type: "card",
    });
    if (customerId) this.internal.set(customerId, { ...(this.internal.get(customerId) ?? {}), paymentMethod: pm.id });
    return pm;
  }

  // ---------------------------------------------------------------- payment intents & charges

  /**
   * Creates a confirmed PaymentIntent and its charge (succeeded or declined), with the transfer and
   * application fee a destination charge produces.
   */
  createPayment(o) {
    const t = now();
    const pm = this.paymentMethodFor(o.customer, { email: o.email, name: o.name });
    const piId = randomId("pi_");
    const chId = randomId("ch_");
    const succeeded = o.succeed !== false;
    const transferData = o.transfer_data?.destination
      ? { destination: o.transfer_data.destination, ...(o.transfer_data.amount != null ? { amount: o.transfer_data.amount } : {}) }
      : null;
    const fee = o.application_fee_amount ?? null;
    let transferId = null;
    let feeId = null;
    if (succeeded && transferData) {
      transferId = randomId("tr_");
      this.put({
        id: transferId,
        object: "transfer",
        amount: transferData.amount ?? o.amount - (fee ?? 0),
        amount_reversed: 0,
        created: t,
        currency: o.currency,
        description: null,
        destination: transferData.destination,
        destination_payment: randomId("py_"),
        livemode: false,
        metadata: {},
        reversals: emptyList(`/v1/transfers/${transferId}/reversals`),
        reversed: false,
        source_transaction: chId,
        source_type: "card",
        transfer_group: o.transfer_group ?? null,
      });
    }
    if (succeeded && fee) {
      feeId = randomId("fee_");
      this.put({
        id: feeId,
        object: "application_fee",
        account: transferData?.destination ?? o.account ?? null,
        amount: fee,
        amount_refunded: 0,
        application: "ca_allthrive_emulator",
        balance_transaction: randomId("txn_"),
        charge: chId,
        created: t,
        currency: o.currency,
        livemode: false,
        originating_transaction: null,
        refunded: false,
        refunds: emptyList(`/v1/application_fees/${feeId}/refunds`),
      });
    }
    const declineError = {
      charge: chId,
      code: "card_declined",
      decline_code: "generic_decline",
      doc_url: "https://stripe.com/docs/error-codes/card-declined",
      message: "Your card was declined.",
      payment_method: clone(pm),
      type: "card_error",
    };
    const pi = this.put(
      {
        id: piId,
        object: "payment_intent",
        amount: o.amount,
        amount_capturable: 0,
        amount_details: { tip: {} },
        amount_received: succeeded ? o.amount : 0,
        application: null,
        application_fee_amount: fee,
        automatic_payment_methods: null,
        canceled_at: null,
        cancellation_reason: null,
        capture_method: "automatic",
        client_secret: `${piId}_secret_${randomId("", 24)}`,
        confirmation_method: "automatic",
        created: t,
        currency: o.currency,
        customer: o.customer ?? null,
        description: o.description ?? null,
        last_payment_error: succeeded ? null : declineError,
        latest_charge: chId,
        livemode: false,
        metadata: o.metadata ?? {},
        next_action: null,
        on_behalf_of: o.on_behalf_of ?? null,
        payment_method: pm.id,
        payment_method_options: { card: { request_three_d_secure: "automatic" } },
        payment_method_types: ["card"],
        processing: null,
        receipt_email: o.receipt_email ?? null,
        review: null,
        setup_future_usage: null,
        shipping: null,
        source: null,
        statement_descriptor: null,
        statement_descriptor_suffix: null,
        status: succeeded ? "succeeded" : "requires_payment_method",
        transfer_data: transferData,
        transfer_group: o.transfer_group ?? null,
      },
      o.account,
    );
    const charge = this.put(
      {
        id: chId,
        object: "charge",
        amount: o.amount,
        amount_captured: succeeded ? o.amount : 0,
        amount_refunded: 0,
        application: null,
        application_fee: feeId,
        application_fee_amount: fee,
        balance_transaction: succeeded ? randomId("txn_") : null,
        billing_details: { address: null, email: o.email ?? null, name: o.name ?? null, phone: null },
        calculated_statement_descriptor: "ALLTHRIVE",
        captured: succeeded,
        created: t,
        currency: o.currency,
        customer: o.customer ?? null,
        description: o.description ?? null,
        destination: transferData?.destination ?? null,
        disputed: false,
        failure_balance_transaction: null,
        failure_code: succeeded ? null : "card_declined",
        failure_message: succeeded ? null : "Your card was declined.",
        fraud_details: {},
        livemode: false,
        metadata: o.metadata ?? {},
        on_behalf_of: o.on_behalf_of ?? null,
        outcome: succeeded
          ? {
              network_status: "approved_by_network",
              reason: null,
              risk_level: "normal",
              risk_score: 20,
              seller_message: "Payment complete.",
              type: "authorized",
            }
          : {
              network_status: "declined_by_network",
              reason: "generic_decline",
              risk_level: "normal",
              risk_score: 20,
              seller_message: "The bank did not return any further details with this decline.",
              type: "issuer_declined",
            },
        paid: succeeded,
        payment_intent: piId,
        payment_method: pm.id,
        payment_method_details: {
          card: {
            brand: "visa",
            country: "US",
            exp_month: pm.card.exp_month,
            exp_year: pm.card.exp_year,
            funding: "credit",
            last4: "4242",
            network: "visa",
          },
          type: "card",
        },
        receipt_email: o.receipt_email ?? null,
        receipt_number: null,
        receipt_url: `${this.publicUrl}/receipts/${chId}`,
        refunded: false,
        review: null,
        shipping: null,
        source: null,
        source_transfer: null,
        statement_descriptor: null,
        statement_descriptor_suffix: null,
        status: succeeded ? "succeeded" : "failed",
        transfer: transferId,
        transfer_data: transferData,
        transfer_group: o.transfer_group ?? null,
      },
      o.account,
    );
    return { pi, charge };
  }

  emitPaymentEvents({ pi, charge }) {
    if (charge.status === "succeeded") {
      this.emit("charge.succeeded", charge);
      this.emit("payment_intent.succeeded", pi);
    } else {
      this.emit("charge.failed", charge);
      this.emit("payment_intent.payment_failed", pi);
    }
  }

  // ---------------------------------------------------------------- coupons

  /**
   * POST /v1/coupons: `percent_off` (0 < x ≤ 100) or `amount_off` + `currency`, `duration` (only
   * `once` matters for one-time payments), optional `max_redemptions` / `redeem_by` that Checkout
   * enforces on completion, like Stripe.
   */
  createCoupon(p, ctx = {}) {
    const percentOff = num(p.percent_off, "percent_off") ?? null;
    const amountOff = int(p.amount_off, "amount_off") ?? null;
    if ((percentOff === null) === (amountOff === null)) {
      throw new ApiError(400, "You must pass either `percent_off` or `amount_off`, but not both.", { param: "percent_off" });
    }
    if (percentOff !== null && !(percentOff > 0 && percentOff <= 100)) {
      throw new ApiError(400, "Invalid percent_off: must be greater than 0 and at most 100.", { param: "percent_off" });
    }
    if (amountOff !== null && amountOff < 1) throw new ApiError(400, "Invalid amount_off: must be at least 1.", { param: "amount_off" });
    const currency = str(p.currency, "currency")?.toLowerCase() || null;
    if (amountOff !== null && !currency) required(undefined, "currency");
    const duration = oneOf(p.duration, ["once", "repeating", "forever"], "duration") ?? "once";
    // `duration_in_months`: required for `repeating`, refused otherwise (as Stripe does).
    const durationInMonths = int(p.duration_in_months, "duration_in_months") ?? null;
    if (duration === "repeating" && !(durationInMonths >= 1)) {
      throw new ApiError(400, "A coupon with `duration: repeating` requires `duration_in_months` (at least 1).", {
        param: "duration_in_months",
      });
    }
    if (duration !== "repeating" && durationInMonths !== null) {
      throw new ApiError(400, "`duration_in_months` can only be set when `duration` is `repeating`.", { param: "duration_in_months" });
    }
    const maxRedemptions = int(p.max_redemptions, "max_redemptions") ?? null;
    if (maxRedemptions !== null && maxRedemptions < 1) {
      throw new ApiError(400, "Invalid max_redemptions: must be at least 1.", { param: "max_redemptions" });
    }
    const id = str(p.id, "id") || randomId("", 8);
    if (this.get(id)?.object === "coupon")
      throw new ApiError(400, "Coupon already exists.", { param: "id", code: "resource_already_exists" });
    const coupon = this.put(
      {
        id,
        object: "coupon",
        amount_off: amountOff,
        created: now(),
        currency: amountOff !== null ? currency : null,
        duration,
        duration_in_months: durationInMonths,
        livemode: false,
        max_redemptions: maxRedemptions,
        metadata: mergeMetadata({}, p.metadata),
        name: str(p.name, "name") || null,
        percent_off: percentOff,
        redeem_by: int(p.redeem_by, "redeem_by") ?? null,
        times_redeemed: 0,
        valid: true,
      },
      ctx.account,
    );
    this.emit("coupon.created", coupon);
    return coupon;
  }

  deleteCoupon(id) {
    const coupon = this.fetch(id, "coupon");
    this.objects.delete(id);
    this.emit("coupon.deleted", { ...coupon, valid: false });
    return { id, object: "coupon", deleted: true };
  }

  /** Whether a coupon can still be redeemed (redeem_by, max_redemptions), as Stripe decides `valid`. */
  couponValid(coupon) {
    if (coupon.redeem_by !== null && coupon.redeem_by <= now()) return false;
    if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) return false;
    return true;
  }

  /** The amount a coupon takes off a subtotal: percent rounded to the minor unit, fixed capped at the subtotal. */
  couponDiscount(coupon, subtotal) {
    if (coupon.percent_off !== null) return Math.min(subtotal, Math.round((subtotal * coupon.percent_off) / 100));
    return Math.min(subtotal, coupon.amount_off);
  }

  // ---------------------------------------------------------------- checkout sessions

  createCheckoutSession(p, ctx = {}) {
    const mode = oneOf(required(p.mode, "mode"), ["payment", "subscription", "setup"], "mode");
    if (mode === "setup") throw new ApiError(400, "The Stripe emulator does not support `setup` mode.", { param: "mode" });
    if (p.customer && p.customer_email) {
      throw new ApiError(400, "You may only specify one of these parameters: customer, customer_email.", { param: "customer_email" });
    }
    const customer = p.customer ? this.ref(p.customer, "customer", "customer", "customer") : null;
    const created = now();
    let expiresAt = created + DAY;
    if (p.expires_at !== undefined) {
      expiresAt = int(p.expires_at, "expires_at");
      const slack = 10; // requests computed "now + 30 min" a moment ago must still pass
      if (expiresAt < created + 30 * 60 - slack) {
        throw new ApiError(400, "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", {
          param: "expires_at",
        });
      }
      if (expiresAt > created + DAY + slack) {
        throw new ApiError(400, "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", {
          param: "expires_at",
        });
      }
    }
    for (const param of ["success_url", "cancel_url"]) {
      if (p[param] !== undefined && !/^https?:\/\/.+/.test(p[param])) {
        throw new ApiError(400, `Not a valid URL`, { param, code: "url_invalid" });
      }
    }
    if (p.client_reference_id !== undefined && String(p.client_reference_id).length > 200) {
      throw new ApiError(400, "client_reference_id must be at most 200 characters", { param: "client_reference_id" });
    }

    // Validate line items before creating anything (price_data creates objects).
    const rawItems = asArray(p.line_items);
    if (!rawItems.length) required(undefined, "line_items");
    // Each entry: {price: an existing price, or a normalized price_data spec (created at the end)}
    const resolved = rawItems.map((li, i) => {
      const base = `line_items[${i}]`;
      if (!li || typeof li !== "object") throw new ApiError(400, "Invalid object", { param: base });
      if (!li.price && !li.price_data) {
        throw new ApiError(400, `You must specify either \`price\` or \`price_data\` in ${base}.`, { param: `${base}[price]` });
      }
      if (li.price && li.price_data) {
        throw new ApiError(400, "You may only specify one of these parameters: price, price_data.", { param: `${base}[price_data]` });
      }
      const quantity = int(required(li.quantity, `${base}[quantity]`), `${base}[quantity]`);
      if (quantity < 1) throw new ApiError(400, "Quantity must be at least 1.", { param: `${base}[quantity]` });
      if (li.price) {
        const price = this.ref(li.price, "price", "price", `${base}[price]`);
        if (!price.active) {
          throw new ApiError(400, "The price specified is inactive. This field only accepts active prices.", { param: `${base}[price]` });
        }
        const product = this.get(price.product);
        if (product && !product.active) {
          throw new ApiError(400, "The price specified belongs to an inactive product. Checkout requires active products.", {
            param: `${base}[price]`,
          });
        }
        return { price, quantity };
      }
      return { spec: this.normalizePrice(li.price_data, `${base}[price_data]`, { adHoc: true }), quantity };
    });
    const priceOf = (r) => r.price ?? r.spec;

    if (p.payment_intent_data && mode !== "payment") {
      throw new ApiError(400, `You can not pass \`payment_intent_data\` in \`${mode}\` mode.`, { param: "payment_intent_data" });
    }
    if (p.subscription_data && mode !== "subscription") {
      throw new ApiError(400, `You can not pass \`subscription_data\` in \`${mode}\` mode.`, { param: "subscription_data" });
    }
    const pidIn = p.payment_intent_data ?? {};
    const pid = {
      application_fee_amount: int(pidIn.application_fee_amount, "payment_intent_data[application_fee_amount]") ?? null,
      transfer_data: pidIn.transfer_data
        ? {
            destination: required(pidIn.transfer_data.destination, "payment_intent_data[transfer_data][destination]"),
            amount: int(pidIn.transfer_data.amount, "payment_intent_data[transfer_data][amount]") ?? null,
          }
        : null,
      metadata: mergeMetadata({}, pidIn.metadata, "payment_intent_data[metadata]"),
      description: str(pidIn.description) ?? null,
      on_behalf_of: str(pidIn.on_behalf_of) ?? null,
      receipt_email: str(pidIn.receipt_email) ?? null,
      transfer_group: str(pidIn.transfer_group) ?? null,
    };
    if (pid.application_fee_amount !== null) {
      if (pid.application_fee_amount < 0) {
        throw new ApiError(400, "Invalid integer: application_fee_amount must be non-negative", {
          param: "payment_intent_data[application_fee_amount]",
        });
      }
      if (!pid.transfer_data && !ctx.account) {
        throw new ApiError(
          400,
          "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
          { param: "payment_intent_data[application_fee_amount]" },
        );
      }
    }
    if (pid.transfer_data) this.assertDestination(pid.transfer_data.destination, "payment_intent_data[transfer_data][destination]");

    const sdIn = p.subscription_data ?? {};
    const sd = {
      application_fee_percent: num(sdIn.application_fee_percent, "subscription_data[application_fee_percent]") ?? null,
      transfer_data: sdIn.transfer_data
        ? {
            destination: required(sdIn.transfer_data.destination, "subscription_data[transfer_data][destination]"),
            amount_percent: num(sdIn.transfer_data.amount_percent, "subscription_data[transfer_data][amount_percent]") ?? null,
          }
        : null,
      metadata: mergeMetadata({}, sdIn.metadata, "subscription_data[metadata]"),
      trial_period_days: int(sdIn.trial_period_days, "subscription_data[trial_period_days]") ?? null,
      description: str(sdIn.description) ?? null,
      on_behalf_of: str(sdIn.on_behalf_of) ?? null,
    };
    if (sd.application_fee_percent !== null) {
      if (sd.application_fee_percent < 0 || sd.application_fee_percent > 100) {
        throw new ApiError(400, "application_fee_percent must be between 0 and 100.", {
          param: "subscription_data[application_fee_percent]",
        });
      }
      if (!sd.transfer_data && !ctx.account) {
        throw new ApiError(
          400,
          "Can only apply an application_fee_percent when the subscription is a direct charge (Stripe-Account header) or has `transfer_data[destination]`.",
          { param: "subscription_data[application_fee_percent]" },
        );
      }
    }
    if (sd.trial_period_days !== null && (sd.trial_period_days < 1 || sd.trial_period_days > 730)) {
      throw new ApiError(400, "trial_period_days must be between 1 and 730.", { param: "subscription_data[trial_period_days]" });
    }
    if (sd.transfer_data) this.assertDestination(sd.transfer_data.destination, "subscription_data[transfer_data][destination]");

    const currency = priceOf(resolved[0]).currency;
    if (resolved.some((r) => priceOf(r).currency !== currency)) {
      throw new ApiError(400, "All line items must use the same currency.", { param: "line_items" });
    }
    const recurringItems = resolved.filter((r) => priceOf(r).recurring);
    if (mode === "payment" && recurringItems.length) {
      const i = resolved.findIndex((r) => priceOf(r).recurring);
      throw new ApiError(
        400,
        "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
        { param: `line_items[${i}][price]` },
      );
    }
    if (mode === "subscription") {
      if (!recurringItems.length) {
        throw new ApiError(400, "You must provide at least one recurring price in `subscription` mode when using prices.", {
          param: "line_items",
        });
      }
      const { interval, interval_count } = priceOf(recurringItems[0]).recurring;
      if (
        recurringItems.some((r) => priceOf(r).recurring.interval !== interval || priceOf(r).recurring.interval_count !== interval_count)
      ) {
        throw new ApiError(400, "All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.", {
          param: "line_items",
        });
      }
    }
    const customIdx = resolved.findIndex((r) => priceOf(r).custom_unit_amount);
    if (customIdx !== -1) {
      if (mode !== "payment") {
        throw new ApiError(400, "Prices with `custom_unit_amount` can only be used in `payment` mode.", {
          param: `line_items[${customIdx}][price]`,
        });
      }
      if (resolved.length > 1 || resolved[customIdx].quantity !== 1) {
        throw new ApiError(400, "Prices with `custom_unit_amount` must be the only line item, with quantity 1.", {
          param: `line_items[${customIdx}][quantity]`,
        });
      }
    }

    const trial = mode === "subscription" && sd.trial_period_days !== null;
    const unitOf = (price) =>
      price.custom_unit_amount ? (price.custom_unit_amount.preset ?? price.custom_unit_amount.minimum ?? 0) : price.unit_amount;
    const dueNow = (price, quantity) => (trial && price.recurring ? 0 : unitOf(price) * quantity);
    const amountSubtotal = resolved.reduce((sum, r) => sum + dueNow(priceOf(r), r.quantity), 0);
    // `discounts`: one coupon (Checkout accepts at most one discount per session), not with
    // allow_promotion_codes; the emulator applies it in payment mode only.
    const rawDiscounts = asArray(p.discounts);
    if (rawDiscounts.length > 1) {
      throw new ApiError(400, "You may only specify one discount per Checkout Session.", { param: "discounts" });
    }
    if (rawDiscounts.length && p.allow_promotion_codes !== undefined && bool(p.allow_promotion_codes, "allow_promotion_codes")) {
      throw new ApiError(400, "You may only specify one of these parameters: allow_promotion_codes, discounts.", { param: "discounts" });
    }
    let coupon = null;
    if (rawDiscounts.length) {
      const d = rawDiscounts[0] ?? {};
      if (d.promotion_code) {
        throw new ApiError(400, "The Stripe emulator supports `discounts[0][coupon]` only.", { param: "discounts[0][promotion_code]" });
      }
      coupon = this.ref(required(d.coupon, "discounts[0][coupon]"), "coupon", "coupon", "discounts[0][coupon]");
      // In `subscription` mode the coupon becomes the subscription's discount (its duration then
      // decides which invoices it takes off); the session's totals are those of the first invoice.
      if (customIdx !== -1) {
        throw new ApiError(400, "Discounts can't be combined with `custom_unit_amount` prices.", { param: "discounts" });
      }
      if (!this.couponValid(coupon)) {
        throw new ApiError(400, `Coupon ${coupon.id} is no longer valid.`, { param: "discounts[0][coupon]", code: "coupon_expired" });
      }
      if (coupon.amount_off !== null && coupon.currency !== priceOf(resolved[0]).currency) {
        throw new ApiError(400, `The coupon's currency (${coupon.currency}) must match the session's currency.`, {
          param: "discounts[0][coupon]",
        });
      }
    }
    const amountDiscount = coupon && !trial ? this.couponDiscount(coupon, amountSubtotal) : 0;
    const amountTotal = amountSubtotal - amountDiscount;
    if (mode === "payment" && pid.application_fee_amount !== null && customIdx === -1 && pid.application_fee_amount > amountTotal) {
      throw new ApiError(400, "The application fee amount cannot be greater than the total amount of the payment.", {
        param: "payment_intent_data[application_fee_amount]",
      });
    }
    const customerCreation =
      mode === "payment" ? (oneOf(p.customer_creation, ["always", "if_required"], "customer_creation") ?? "if_required") : null;
    const metadata = mergeMetadata({}, p.metadata);
    const allowPromotionCodes = bool(p.allow_promotion_codes, "allow_promotion_codes") ?? null;
    const methodTypes = asArray(p.payment_method_types).map(String);

    // Validation is done; only now create price_data's ad-hoc (archived) prices, like Stripe.
    const id = randomId("cs_test_", 58);
    const lineItems = resolved.map((r) => {
      const price = r.price ?? this.createPriceFromSpec(r.spec, ctx);
      const quantity = r.quantity;
      const amount = unitOf(price) * quantity;
      // One coupon over the whole session: its amount is spread over the items by their share.
      const share = amountSubtotal ? Math.round((amountDiscount * amount) / amountSubtotal) : 0;
      return {
        id: randomId("li_"),
        object: "item",
        amount_discount: share,
        amount_subtotal: amount,
        amount_tax: 0,
        amount_total: amount - share,
        currency,
        description: this.get(price.product)?.name ?? null,
        metadata: {},
        price: clone(price),
        quantity,
      };
    });
    const session = this.put(
      {
        id,
        object: "checkout.session",
        adaptive_pricing: { enabled: false },
        after_expiration: null,
        allow_promotion_codes: allowPromotionCodes,
        amount_subtotal: amountSubtotal,
        amount_total: amountTotal,
        automatic_tax: { enabled: false, liability: null, provider: null, status: null },
        billing_address_collection: p.billing_address_collection ?? null,
        cancel_url: p.cancel_url ?? null,
        client_reference_id: p.client_reference_id ?? null,
        client_secret: null,
        collected_information: null,
        consent: null,
        consent_collection: null,
        created,
        currency,
        custom_fields: [],
        custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
        customer: customer?.id ?? null,
        customer_creation: customerCreation,
        customer_details:
          customer || p.customer_email
            ? {
                address: null,
                email: customer?.email ?? p.customer_email,
                name: customer?.name ?? null,
                phone: null,
                tax_exempt: "none",
                tax_ids: [],
              }
            : null,
        customer_email: p.customer_email ?? null,
        discounts: coupon ? [{ coupon: coupon.id, promotion_code: null }] : [],
        expires_at: expiresAt,
        invoice: null,
        invoice_creation:
          mode === "payment"
            ? {
                enabled: false,
                invoice_data: {
                  account_tax_ids: null,
                  custom_fields: null,
                  description: null,
                  footer: null,
                  issuer: null,
                  metadata: {},
                  rendering_options: null,
                },
              }
            : null,
        livemode: false,
        locale: p.locale ?? null,
        metadata,
        mode,
        payment_intent: null,
        payment_link: null,
        // `if_required`: a $0 subscription (a 100%-off-forever coupon) is started without collecting a card.
        payment_method_collection: oneOf(p.payment_method_collection, ["always", "if_required"], "payment_method_collection") ?? "always",
        payment_method_options: {},
        payment_method_types: methodTypes.length ? methodTypes : ["card"],
        payment_status: "unpaid",
        recovered_from: null,
        saved_payment_method_options: null,
        setup_intent: null,
        shipping_address_collection: null,
        shipping_cost: null,
        shipping_options: [],
        status: "open",
        submit_type: p.submit_type ?? null,
        subscription: null,
        success_url: p.success_url ?? null,
        total_details: { amount_discount: amountDiscount, amount_shipping: 0, amount_tax: 0 },
        ui_mode: "hosted",
        url: `${this.publicUrl}/checkout/pay/${id}`,
      },
      ctx.account,
    );
    this.internal.set(id, { lineItems, pid, sd, account: ctx.account ?? null, lastError: null, coupon: coupon?.id ?? null });
    return session;
  }

  sessionLineItems(id, params) {
    this.fetch(id, "checkout.session", "checkout session");
    const { lineItems } = this.internal.get(id);
    return this.paginate([...lineItems], params, `/v1/checkout/sessions/${id}/line_items`);
  }

  /** Lazily expires sessions whose expires_at has passed (plus a periodic sweep in the server). */
  expireIfDue(session) {
    if (session.status === "open" && session.expires_at <= now()) this.expireCheckoutSession(session.id);
  }

  sweepExpired() {
    for (const s of this.all("checkout.session")) this.expireIfDue(s);
  }

  expireCheckoutSession(id) {
    const session = this.fetch(id, "checkout.session", "checkout session");
    if (session.status !== "open") {
      throw new ApiError(
        400,
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
        {
          param: "session",
          code: "checkout_session_not_open",
        },
      );
    }
    session.status = "expired";
    session.url = null;
    this.emit("checkout.session.expired", session);
    return session;
  }

  openSession(id) {
    const session = this.fetch(id, "checkout.session", "checkout session");
    this.expireIfDue(session);
    if (session.status === "complete") {
      throw new ApiError(400, "This Checkout Session has already been completed.", { code: "checkout_session_completed" });
    }
    if (session.status === "expired") {
      throw new ApiError(400, "This Checkout Session has expired.", { code: "checkout_session_expired" });
    }
    return session;
  }

  /** The hosted page's "Decline card": the session stays open, nothing is emitted. */
  declineCheckoutSession(id) {
    const session = this.openSession(id);
    const error = {
      code: "card_declined",
      decline_code: "generic_decline",
      message: "Your card was declined.",
      type: "card_error",
    };
    this.internal.get(id).lastError = error;
    return { session, error };
  }

  /**
   * The hosted page's "Pay" with a test card that succeeds.
   * @param {{amount?: number, email?: string, name?: string}} input amount in minor units, for
   *   custom_unit_amount (pay-what-you-want) prices
   */
  completeCheckoutSession(id, input = {}) {
    const session = this.openSession(id);
    const data = this.internal.get(id);
    const { lineItems, pid, sd } = data;

    // Validate everything before mutating.
    const custom = lineItems.find((li) => li.price.custom_unit_amount);
    let customAmount = null;
    if (custom) {
      const { minimum, maximum, preset } = custom.price.custom_unit_amount;
      customAmount = input.amount ?? preset ?? null;
      if (customAmount === null || customAmount === undefined || !Number.isInteger(customAmount)) {
        throw new ApiError(400, "Enter an amount to pay.", { param: "amount" });
      }
      const floor = minimum ?? (ZERO_DECIMAL.has(session.currency) ? 1 : 50);
      if (customAmount < floor) {
        throw new ApiError(400, `The amount must be at least ${formatMoney(floor, session.currency)}.`, {
          param: "amount",
          code: "amount_too_small",
        });
      }
      if (maximum !== null && customAmount > maximum) {
        throw new ApiError(400, `The amount must be at most ${formatMoney(maximum, session.currency)}.`, {
          param: "amount",
          code: "amount_too_large",
        });
      }
      if (pid.application_fee_amount !== null && pid.application_fee_amount > customAmount) {
        throw new ApiError(400, "The application fee amount cannot be greater than the total amount of the payment.", { param: "amount" });
      }
    }
    if (input.email !== undefined && input.email !== null && !/^[^\s@]+@[^\s@]+$/.test(input.email)) {
      throw new ApiError(400, "Enter a valid email address.", { param: "email" });
    }
    // A coupon used up or past redeem_by since the session opened can't be redeemed, like Stripe.
    const coupon = data.coupon ? this.get(data.coupon) : null;
    if (data.coupon && (!coupon || !this.couponValid(coupon))) {
      throw new ApiError(400, "This discount is no longer valid.", { code: "coupon_expired" });
    }
    if (coupon) coupon.times_redeemed += 1;

    if (custom) {
      custom.amount_subtotal = custom.amount_total = customAmount;
      session.amount_subtotal = session.amount_total = customAmount;
    }
    let customer = session.customer ? this.get(session.customer) : null;
    const email = input.email || session.customer_email || customer?.email || "test-buyer@example.com";
    const name = input.name || customer?.name || "Test Buyer";
    const needsCustomer = session.mode === "subscription" || session.customer_creation === "always";
    if (!customer && needsCustomer) customer = this.createCustomer({ email, name }, { account: data.account });

    session.customer = customer?.id ?? null;
    session.customer_details = { address: null, email, name, phone: null, tax_exempt: "none", tax_ids: [] };
    session.status = "complete";
    session.url = null;
    data.lastError = null;

    if (session.mode === "payment") {
      const payment = this.createPayment({
        amount: session.amount_total,
        currency: session.currency,
        customer: customer?.id,
        email,
        name,
        metadata: pid.metadata,
        application_fee_amount: pid.application_fee_amount,
        transfer_data: pid.transfer_data,
        description: pid.description,
        on_behalf_of: pid.on_behalf_of,
        receipt_email: pid.receipt_email ?? email,
        transfer_group: pid.transfer_group,
        account: data.account,
      });
      session.payment_intent = payment.pi.id;
      session.payment_status = "paid";
      this.emit("checkout.session.completed", session);
      this.emitPaymentEvents(payment);
      return session;
    }

    // subscription mode
    const { subscription, invoice, payment } = this.startSubscription({
      customer,
      lineItems,
      sd,
      coupon,
      session,
      currency: session.currency,
      email,
      name,
      account: data.account,
    });
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    session.payment_status = invoice.amount_due > 0 ? "paid" : "no_payment_required";
    this.emit("customer.subscription.created", subscription);
    this.emit("invoice.created", invoice);
    this.emit("invoice.finalized", invoice);
    this.emit("invoice.paid", invoice);
    this.emit("invoice.payment_succeeded", invoice);
    this.emit("checkout.session.completed", session);
    if (payment) this.emitPaymentEvents(payment);
    return session;
  }

  // ---------------------------------------------------------------- subscriptions & invoices

  subscriptionItem(subId, price, quantity, periodStart, periodEnd) {
    return {
      id: randomId("si_", 14),
      object: "subscription_item",
      billing_thresholds: null,
      created: now(),
      current_period_end: periodEnd,
      current_period_start: periodStart,
      discounts: [],
      metadata: {},
      price: clone(price),
      quantity,
      subscription: subId,
      tax_rates: [],
    };
  }

  startSubscription({ customer, lineItems, sd, currency, email, name, account, coupon = null, session = null }) {
    const start = now();
    const recurring = lineItems.filter((li) => li.price.recurring);
    const oneTime = lineItems.filter((li) => !li.price.recurring);
    const { interval, interval_count } = recurring[0].price.recurring;
    const trialDays = sd.trial_period_days;
    const periodEnd = trialDays ? start + trialDays * DAY : addInterval(start, interval, interval_count);
    const id = randomId("sub_");
    const items = recurring.map((li) => this.subscriptionItem(id, li.price, li.quantity, start, periodEnd));
    const subscription = this.put(
      {
        id,
        object: "subscription",
        application: null,
        application_fee_percent: sd.application_fee_percent,
        automatic_tax: { disabled_reason: null, enabled: false, liability: null },
        billing_cycle_anchor: periodEnd > start && trialDays ? periodEnd : start,
        billing_cycle_anchor_config: null,
        billing_mode: { type: "flexible" },
        billing_thresholds: null,
        cancel_at: null,
        cancel_at_period_end: false,
        canceled_at: null,
        cancellation_details: { comment: null, feedback: null, reason: null },
        collection_method: "charge_automatically",
        created: start,
        currency,
        // Newer API versions moved the period to the items; both are kept for compatibility.
        current_period_end: periodEnd,
        current_period_start: start,
        customer: customer.id,
        days_until_due: null,
        default_payment_method: null,
        default_source: null,
        default_tax_rates: [],
        description: sd.description ?? null,
        discounts: [],
        ended_at: null,
        invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
        items: {
          object: "list",
          data: items,
          has_more: false,
          total_count: items.length,
          url: `/v1/subscription_items?subscription=${id}`,
        },
        latest_invoice: null,
        livemode: false,
        metadata: { ...sd.metadata },
        next_pending_invoice_item_invoice: null,
        on_behalf_of: sd.on_behalf_of ?? null,
        pause_collection: null,
        payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
        pending_invoice_item_interval: null,
        pending_setup_intent: null,
        pending_update: null,
        schedule: null,
        start_date: start,
        status: trialDays ? "trialing" : "active",
        test_clock: null,
        transfer_data: sd.transfer_data
          ? { amount_percent: sd.transfer_data.amount_percent, destination: sd.transfer_data.destination }
          : null,
        trial_end: trialDays ? periodEnd : null,
        trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
        trial_start: trialDays ? start : null,
      },
      account,
    );
    const pm = this.paymentMethodFor(customer.id, { email, name });
    subscription.default_payment_method = pm.id;
    if (coupon) this.attachDiscount(subscription, coupon, { start, checkoutSession: session?.id ?? null });
    const extra = oneTime.map((li) => ({ description: li.description, amount: li.amount_total, price: li.price, quantity: li.quantity }));
    const { invoice, payment } = this.createSubscriptionInvoice(subscription, {
      reason: "subscription_create",
      periodStart: start,
      periodEnd,
      trial: Boolean(trialDays),
      extra,
      succeed: true,
      email,
      name,
    });
    return { subscription, invoice, payment };
  }

  /**
   * A coupon applied to a subscription becomes a `discount` object (`di_…`): `subscription.discounts`
   * lists its id, and (older API versions) `subscription.discount` carries it. `end` is set for
   * `repeating` (start + duration_in_months); `once` is removed after the first invoice it took off.
   */
  attachDiscount(sub, coupon, { start, checkoutSession = null }) {
    const discount = {
      id: randomId("di_", 14),
      object: "discount",
      checkout_session: checkoutSession,
      coupon: clone(coupon),
      customer: sub.customer,
      end: coupon.duration === "repeating" ? addInterval(start, "month", coupon.duration_in_months) : null,
      invoice: null,
      invoice_item: null,
      promotion_code: null,
      start,
      subscription: sub.id,
      subscription_item: null,
    };
    this.internal.set(`discount:${sub.id}`, discount);
    sub.discounts = [discount.id];
    sub.discount = discount;
    return discount;
  }

  /** The subscription's discount if it applies to an invoice for the period starting at `periodStart`. */
  discountFor(sub, periodStart, { keep = false } = {}) {
    const d = this.internal.get(`discount:${sub.id}`);
    if (!d) return null;
    if (d.end !== null && periodStart >= d.end) {
      if (!keep) this.removeDiscount(sub);
      return null;
    }
    return d;
  }

  removeDiscount(sub) {
    this.internal.delete(`discount:${sub.id}`);
    sub.discounts = [];
    sub.discount = null;
  }

  /**
   * Creates a finalized invoice for the subscription's current items and attempts payment.
   * @returns {{invoice: object, payment: {pi: object, charge: object} | null}}
   */
  createSubscriptionInvoice(
    sub,
    {
      reason,
      periodStart,
      periodEnd,
      trial = false,
      extra = [],
      succeed = true,
      email,
      name,
      itemLines = true,
      prorations = [],
      preview = false,
    },
  ) {
    const customer = this.get(sub.customer);
    const t = now();
    const id = preview ? randomId("upcoming_in_") : randomId("in_");
    // Proration lines left as pending invoice items by `create_prorations` are billed on this invoice.
    const pending = preview ? [] : (this.internal.get(`pending_prorations:${sub.id}`) ?? []);
    if (!preview) this.internal.delete(`pending_prorations:${sub.id}`);
    const lines = (itemLines ? sub.items.data : []).map((item) => {
      const product = this.get(item.price.product);
      const amount = trial ? 0 : item.price.unit_amount * item.quantity;
      const per = `${formatMoney(item.price.unit_amount, item.price.currency)} / ${item.price.recurring.interval}`;
      return {
        id: randomId("il_"),
        object: "line_item",
        amount,
        currency: sub.currency,
        description: trial
          ? `Trial period for ${product?.name ?? "subscription"}`
          : `${item.quantity} × ${product?.name ?? "subscription"} (at ${per})`,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: id,
        livemode: false,
        metadata: { ...sub.metadata },
        parent: {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: sub.id,
            subscription_item: item.id,
          },
          type: "subscription_item_details",
        },
        period: { end: periodEnd, start: periodStart },
        pretax_credit_amounts: [],
        pricing: {
          price_details: { price: item.price.id, product: item.price.product },
          type: "price_details",
          unit_amount_decimal: String(item.price.unit_amount),
        },
        quantity: item.quantity,
        subscription: sub.id,
        subtotal: amount,
        taxes: [],
      };
    });
    for (const x of extra) {
      lines.push({
        id: randomId("il_"),
        object: "line_item",
        amount: x.amount,
        currency: sub.currency,
        description: x.description,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: id,
        livemode: false,
        metadata: {},
        parent: {
          invoice_item_details: {
            invoice_item: randomId("ii_"),
            proration: false,
            proration_details: { credited_items: null },
            subscription: sub.id,
          },
          subscription_item_details: null,
          type: "invoice_item_details",
        },
        period: { end: periodStart, start: periodStart },
        pretax_credit_amounts: [],
        pricing: {
          price_details: { price: x.price.id, product: x.price.product },
          type: "price_details",
          unit_amount_decimal: String(x.price.unit_amount),
        },
        quantity: x.quantity,
        subscription: sub.id,
        subtotal: x.amount,
        taxes: [],
      });
    }
    // The subscription's discount takes off the item and one-off lines (not prorations), spread over
    // them by their share; `once` ends after this invoice, `repeating` when its months are over.
    const discount = trial ? null : this.discountFor(sub, periodStart, { keep: preview });
    let amountDiscount = 0;
    if (discount) {
      // As on Stripe, a line's `amount` stays the price before discounts; `discount_amounts` says what came off it.
      const base = lines.reduce((sum, l) => sum + Math.max(0, l.amount), 0);
      amountDiscount = this.couponDiscount(discount.coupon, base);
      let left = amountDiscount;
      lines.forEach((l, i) => {
        const share = i === lines.length - 1 ? left : base ? Math.round((amountDiscount * Math.max(0, l.amount)) / base) : 0;
        left -= share;
        l.discount_amounts = [{ amount: share, discount: discount.id }];
        l.discounts = [discount.id];
      });
      if (!preview && discount.coupon.duration === "once") this.removeDiscount(sub);
    }
    for (const pr of [...pending, ...prorations]) lines.push(this.prorationLine(sub, id, pr));
    const subtotal = lines.reduce((s, l) => s + l.amount, 0);
    const total = subtotal - amountDiscount;
    // Customer credit balance (negative = credit): a negative total becomes credit, credit pays positive totals.
    const startingBalance = customer?.balance ?? 0;
    const applied = total < 0 ? total : startingBalance < 0 ? Math.max(startingBalance, -total) : 0;
    const amountDue = Math.max(0, total + (total < 0 ? -total : applied));
    const endingBalance = total < 0 ? startingBalance + total : startingBalance - applied;
    if (customer && !preview) customer.balance = endingBalance;
    const fee = sub.application_fee_percent !== null ? percentFee(amountDue, sub.application_fee_percent) : null;
    const seq = preview ? 0 : customer ? customer.next_invoice_sequence++ : ++this.invoiceSeq;
    const payNow = amountDue > 0 && !preview;
    const paid = preview ? false : !payNow || succeed;
    const invoiceObject = {
      id,
      object: "invoice",
      account_country: "US",
      account_name: "All Thrive (Stripe emulator)",
      account_tax_ids: null,
      amount_due: amountDue,
      amount_overpaid: 0,
      amount_paid: paid ? amountDue : 0,
      amount_remaining: paid ? 0 : amountDue,
      amount_shipping: 0,
      application: null,
      // Not part of newer API versions' invoice shape, kept for apps that read it.
      application_fee_amount: fee,
      attempt_count: payNow ? 1 : 0,
      attempted: payNow,
      auto_advance: !paid,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: reason,
      collection_method: "charge_automatically",
      created: t,
      currency: sub.currency,
      custom_fields: null,
      customer: sub.customer,
      customer_address: null,
      customer_email: customer?.email ?? email ?? null,
      customer_name: customer?.name ?? name ?? null,
      customer_phone: null,
      customer_shipping: null,
      customer_tax_exempt: "none",
      customer_tax_ids: [],
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: discount ? [discount.id] : [],
      due_date: null,
      effective_at: t,
      ending_balance: endingBalance,
      footer: null,
      from_invoice: null,
      hosted_invoice_url: `${this.publicUrl}/invoices/${id}`,
      invoice_pdf: `${this.publicUrl}/invoices/${id}/pdf`,
      issuer: { type: "self" },
      last_finalization_error: null,
      latest_revision: null,
      lines: { object: "list", data: lines, has_more: false, total_count: lines.length, url: `/v1/invoices/${id}/lines` },
      livemode: false,
      metadata: {},
      next_payment_attempt: paid ? null : t + 3 * DAY,
      number: `${customer?.invoice_prefix ?? "EMULATOR"}-${String(seq).padStart(4, "0")}`,
      on_behalf_of: sub.on_behalf_of ?? null,
      parent: {
        quote_details: null,
        subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id },
        type: "subscription_details",
      },
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: reason === "subscription_create" ? t : periodStart,
      period_start: reason === "subscription_create" ? t : sub.current_period_start,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      starting_balance: startingBalance,
      statement_descriptor: null,
      status: preview ? "draft" : paid ? "paid" : "open",
      status_transitions: { finalized_at: t, marked_uncollectible_at: null, paid_at: paid ? t : null, voided_at: null },
      // Not part of newer API versions (see parent.subscription_details), kept for compatibility.
      subscription: sub.id,
      subtotal,
      subtotal_excluding_tax: subtotal,
      test_clock: null,
      total,
      total_discount_amounts: discount ? [{ amount: amountDiscount, discount: discount.id }] : [],
      total_excluding_tax: total,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      transfer_data: sub.transfer_data ? { amount: null, destination: sub.transfer_data.destination } : null,
      webhooks_delivered_at: t,
    };
    if (preview) return { invoice: invoiceObject, payment: null };
    const invoice = this.put(invoiceObject, this.ownerAccount.get(sub.id));
    let payment = null;
    if (payNow) {
      payment = this.createPayment({
        amount: amountDue,
        currency: sub.currency,
        customer: sub.customer,
        email: customer?.email ?? email,
        name: customer?.name ?? name,
        metadata: {},
        application_fee_amount: fee,
        transfer_data: sub.transfer_data ? { destination: sub.transfer_data.destination } : null,
        description: reason === "subscription_create" ? "Subscription creation" : "Subscription update",
        on_behalf_of: sub.on_behalf_of,
        succeed,
        account: this.ownerAccount.get(sub.id),
      });
      this.internal.set(id, { payment_intent: payment.pi.id, charge: payment.charge.id });
      invoice.payments = {
        object: "list",
        data: [
          {
            id: randomId("inpay_"),
            object: "invoice_payment",
            amount_paid: paid ? amountDue : null,
            amount_requested: amountDue,
            created: t,
            currency: sub.currency,
            invoice: id,
            is_default: true,
            livemode: false,
            payment: { payment_intent: payment.pi.id, type: "payment_intent" },
            status: paid ? "paid" : "open",
            status_transitions: { canceled_at: null, paid_at: paid ? t : null },
          },
        ],
        has_more: false,
        url: `/v1/invoice_payments?invoice=${id}`,
      };
    }
    sub.latest_invoice = id;
    return { invoice, payment };
  }

  /** An invoice line for one proration (credit for unused time, or charge for remaining time). */
  prorationLine(sub, invoiceId, pr) {
    return {
      id: randomId("il_"),
      object: "line_item",
      amount: pr.amount,
      currency: sub.currency,
      description: pr.description,
      discount_amounts: [],
      discountable: false,
      discounts: [],
      invoice: invoiceId,
      livemode: false,
      metadata: {},
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: pr.invoiceItem,
          proration: true,
          proration_details: { credited_items: pr.credited ? { invoice: pr.credited.invoice, invoice_line_items: [] } : null },
          subscription: sub.id,
          subscription_item: pr.itemId,
        },
        type: "subscription_item_details",
      },
      period: { end: pr.period.end, start: pr.period.start },
      pretax_credit_amounts: [],
      pricing: {
        price_details: { price: pr.price.id, product: pr.price.product },
        type: "price_details",
        unit_amount_decimal: String(pr.price.unit_amount),
      },
      quantity: pr.quantity,
      subscription: sub.id,
      subtotal: pr.amount,
      taxes: [],
    };
  }

  /**
   * Plans a change of a subscription's items as Stripe bills it (used by update and by preview).
   * Proration, for each item whose price or quantity changes, at time t = proration_date (default
   * now) within the current period [start, end):
   *   fraction  = (end − t) / (end − start)
   *   credit    = −round(old unit_amount × old quantity × fraction)   "Unused time on … after …"
   *   charge    = +round(new unit_amount × new quantity × fraction)   "Remaining time on … after …"
   * (each line rounded half away from zero to the minor unit, as Stripe does per line). When the
   * billing interval changes, the period resets to start at t: the credit is the same, and instead
   * of the remaining-time charge the new price's full first period is invoiced at once.
   * `proration_behavior`: create_prorations (default; lines wait for the next invoice unless the
   * interval changed), always_invoice (invoiced and charged now), none (no proration lines).
   */
  planItemChange(sub, p, prefix = "") {
    const behavior = oneOf(
      p.proration_behavior ?? "create_prorations",
      ["create_prorations", "always_invoice", "none"],
      `${prefix}proration_behavior`,
    );
    const start = sub.current_period_start;
    const end = sub.current_period_end;
    let t = p.proration_date === undefined ? now() : int(p.proration_date, `${prefix}proration_date`);
    if (t < start || t > end) {
      throw new ApiError(400, "proration_date must be within the subscription's current billing period.", {
        param: `${prefix}proration_date`,
      });
    }
    const items = sub.items.data.map((x) => ({ ...x, price: x.price, next: x.price, nextQuantity: x.quantity, deleted: false }));
    const added = [];
    asArray(p.items ?? []).forEach((it, i) => {
      const base = `${prefix}items[${i}]`;
      if (it.id) {
        const existing = items.find((x) => x.id === it.id);
        if (!existing) throw missingReference("subscription item", it.id, `${base}[id]`);
        if (bool(it.deleted, `${base}[deleted]`)) existing.deleted = true;
        if (it.price) existing.next = this.recurringPrice(it.price, sub, `${base}[price]`);
        if (it.quantity !== undefined) existing.nextQuantity = int(it.quantity, `${base}[quantity]`);
      } else {
        const price = this.recurringPrice(required(it.price, `${base}[price]`), sub, `${base}[price]`);
        if (items.some((x) => x.price.id === price.id && !x.deleted) || added.some((x) => x.price.id === price.id)) {
          throw new ApiError(400, `Cannot add multiple subscription items with the same price: ${price.id}`, { param: `${base}[price]` });
        }
        added.push({ price, quantity: int(it.quantity, `${base}[quantity]`) ?? 1 });
      }
    });
    const remaining = [...items.filter((x) => !x.deleted).map((x) => x.next), ...added.map((x) => x.price)];
    if (!remaining.length) throw new ApiError(400, "A subscription must have at least one active plan.", { param: `${prefix}items` });
    const intervals = new Set(remaining.map((pr) => `${pr.recurring.interval}/${pr.recurring.interval_count}`));
    if (intervals.size > 1) {
      throw new ApiError(400, "All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.", {
        param: `${prefix}items`,
      });
    }
    const cur = sub.items.data[0].price.recurring;
    const [interval, count] = [...intervals][0].split("/");
    const intervalChanged = interval !== cur.interval || Number(count) !== cur.interval_count;
    const fraction = end > start ? (end - t) / (end - start) : 0;
    const prorations = [];
    const stamp = new Date(t * 1000).toISOString().slice(0, 10);
    const productName = (price) => this.get(price.product)?.name ?? "subscription";
    if (behavior !== "none") {
      for (const x of items) {
        const changed = x.deleted || x.next.id !== x.price.id || x.nextQuantity !== x.quantity;
        if (!changed || sub.status === "trialing") continue;
        const credit = -Math.round(x.price.unit_amount * x.quantity * fraction);
        if (credit !== 0) {
          prorations.push({
            amount: credit,
            description: `Unused time on ${x.quantity} × ${productName(x.price)} after ${stamp}`,
            price: x.price,
            quantity: x.quantity,
            itemId: x.id,
            invoiceItem: randomId("ii_"),
            credited: { invoice: sub.latest_invoice },
            period: { start: t, end },
          });
        }
        if (!x.deleted && !intervalChanged) {
          const charge = Math.round(x.next.unit_amount * x.nextQuantity * fraction);
          if (charge !== 0) {
            prorations.push({
              amount: charge,
              description: `Remaining time on ${x.nextQuantity} × ${productName(x.next)} after ${stamp}`,
              price: x.next,
              quantity: x.nextQuantity,
              itemId: x.id,
              invoiceItem: randomId("ii_"),
              period: { start: t, end },
            });
          }
        }
      }
      if (!intervalChanged) {
        for (const a of added) {
          const charge = Math.round(a.price.unit_amount * a.quantity * fraction);
          if (charge !== 0) {
            prorations.push({
              amount: charge,
              description: `Remaining time on ${a.quantity} × ${productName(a.price)} after ${stamp}`,
              price: a.price,
              quantity: a.quantity,
              itemId: null,
              invoiceItem: randomId("ii_"),
              period: { start: t, end },
            });
          }
        }
      }
    }
    return {
      behavior,
      t,
      items,
      added,
      intervalChanged,
      interval,
      intervalCount: Number(count),
      prorations,
      invoiceNow: intervalChanged || (behavior === "always_invoice" && prorations.length > 0),
    };
  }

  /** Applies a plan from planItemChange to the subscription's items (and the period, on an interval change). */
  applyItemChange(sub, plan) {
    const kept = [];
    for (const x of plan.items) {
      const real = sub.items.data.find((i) => i.id === x.id);
      if (x.deleted) continue;
      if (x.next.id !== real.price.id) real.price = clone(x.next);
      real.quantity = x.nextQuantity;
      kept.push(real);
    }
    for (const a of plan.added) {
      kept.push(this.subscriptionItem(sub.id, a.price, a.quantity, sub.current_period_start, sub.current_period_end));
    }
    sub.items.data = kept;
    sub.items.total_count = kept.length;
    if (plan.intervalChanged) {
      const end = addInterval(plan.t, plan.interval, plan.intervalCount);
      this.setPeriod(sub, plan.t, end);
      sub.billing_cycle_anchor = plan.t;
    }
  }

  /** POST /v1/invoices/create_preview — what an update would invoice, without changing anything. */
  previewInvoice(p) {
    const subId = required(p.subscription, "subscription");
    const source = this.liveSubscription(subId);
    const details = p.subscription_details ?? {};
    const params = {
      items: details.items ?? p.subscription_items,
      proration_behavior: details.proration_behavior ?? p.subscription_proration_behavior,
      proration_date: details.proration_date ?? p.subscription_proration_date,
    };
    const sub = clone(source);
    const plan = this.planItemChange(sub, params, details.items ? "subscription_details[" : "");
    this.applyItemChange(sub, plan);
    if (plan.invoiceNow) {
      return this.createSubscriptionInvoice(sub, {
        reason: "subscription_update",
        periodStart: sub.current_period_start,
        periodEnd: sub.current_period_end,
        itemLines: plan.intervalChanged,
        prorations: plan.prorations,
        preview: true,
      }).invoice;
    }
    // Otherwise the preview is the next renewal, carrying any prorations left pending.
    const { interval, interval_count } = sub.items.data[0].price.recurring;
    const start = sub.current_period_end;
    const pending = [...(this.internal.get(`pending_prorations:${subId}`) ?? []), ...plan.prorations];
    return this.createSubscriptionInvoice(sub, {
      reason: "subscription_cycle",
      periodStart: start,
      periodEnd: addInterval(start, interval, interval_count),
      prorations: pending,
      preview: true,
    }).invoice;
  }

  /** Emulator control: pretends `seconds` of the current period have passed (shifts the period back). */
  ageSubscription(id, seconds) {
    const sub = this.liveSubscription(id);
    const s = int(seconds, "seconds");
    if (!(s > 0) || sub.current_period_start + s >= sub.current_period_end + (sub.current_period_end - sub.current_period_start)) {
      throw new ApiError(400, "seconds must be positive and less than the current period.", { param: "seconds" });
    }
    this.setPeriod(sub, sub.current_period_start - s, sub.current_period_end - s);
    sub.billing_cycle_anchor -= s;
    return sub;
  }

  // ---------------------------------------------------------------- subscription schedules

  /** POST /v1/subscription_schedules {from_subscription}: one phase, the current period as it is. */
  createSubscriptionSchedule(p) {
    const subId = required(p.from_subscription, "from_subscription");
    const sub = this.liveSubscription(subId);
    if (sub.schedule) {
      throw new ApiError(400, `You cannot migrate a subscription that is already attached to a schedule: \`${sub.schedule}\`.`, {
        param: "from_subscription",
      });
    }
    const id = randomId("sub_sched_");
    const schedule = this.put(
      {
        id,
        object: "subscription_schedule",
        application: null,
        billing_mode: { type: "flexible" },
        canceled_at: null,
        completed_at: null,
        created: now(),
        current_phase: { end_date: sub.current_period_end, start_date: sub.current_period_start },
        customer: sub.customer,
        default_settings: { application_fee_percent: sub.application_fee_percent, collection_method: "charge_automatically" },
        end_behavior: "release",
        livemode: false,
        metadata: mergeMetadata({}, p.metadata),
        phases: [this.phaseFromSubscription(sub)],
        released_at: null,
        released_subscription: null,
        status: "active",
        subscription: sub.id,
        test_clock: null,
      },
      this.ownerAccount.get(sub.id),
    );
    const before = clone(sub);
    sub.schedule = id;
    this.emit("subscription_schedule.created", schedule);
    this.emit("customer.subscription.updated", sub, { previous: diff(before, sub) });
    return schedule;
  }

  phaseFromSubscription(sub) {
    return {
      application_fee_percent: sub.application_fee_percent,
      end_date: sub.current_period_end,
      items: sub.items.data.map((i) => ({ price: i.price.id, quantity: i.quantity, metadata: {} })),
      metadata: {},
      proration_behavior: "create_prorations",
      start_date: sub.current_period_start,
      transfer_data: sub.transfer_data ? { ...sub.transfer_data } : null,
    };
  }

  /**
   * POST /v1/subscription_schedules/:id {phases, end_behavior, metadata}. The first phase must be the
   * current one (its start_date); each later phase starts when the previous one ends (end_date, or
   * `iterations` periods of its price). Phase `metadata` is merged into the subscription's when the
   * phase starts. The emulator moves phases only at renewals (`/_emulator/subscriptions/:id/renew`).
   */
  updateSubscriptionSchedule(id, p) {
    const schedule = this.fetch(id, "subscription_schedule");
    if (schedule.status !== "active" && schedule.status !== "not_started") {
      throw new ApiError(400, `You cannot update a subscription schedule that is currently in the \`${schedule.status}\` status.`, {
        param: "phases",
      });
    }
    if (p.metadata !== undefined) schedule.metadata = mergeMetadata(schedule.metadata, p.metadata);
    if (p.end_behavior !== undefined) schedule.end_behavior = oneOf(p.end_behavior, ["release", "cancel"], "end_behavior");
    if (p.phases !== undefined) {
      const sub = this.get(schedule.subscription);
      const phases = asArray(p.phases);
      if (!phases.length) throw new ApiError(400, "At least one phase is required.", { param: "phases" });
      let start =
        phases[0].start_date === undefined || phases[0].start_date === "now"
          ? schedule.current_phase.start_date
          : int(phases[0].start_date, "phases[0][start_date]");
      if (start !== schedule.current_phase.start_date) {
        throw new ApiError(400, "You can not modify the start date of the current phase.", { param: "phases[0][start_date]" });
      }
      schedule.phases = phases.map((ph, i) => {
        const items = asArray(required(ph.items, `phases[${i}][items]`)).map((it, j) => {
          const price = this.recurringPrice(
            required(it.price, `phases[${i}][items][${j}][price]`),
            sub,
            `phases[${i}][items][${j}][price]`,
          );
          return { price: price.id, quantity: int(it.quantity, `phases[${i}][items][${j}][quantity]`) ?? 1, metadata: {} };
        });
        const price = this.get(items[0].price);
        let end = null;
        if (ph.end_date !== undefined) end = int(ph.end_date, `phases[${i}][end_date]`);
        else if (ph.duration !== undefined)
          end = addInterval(
            start,
            oneOf(ph.duration.interval, ["day", "week", "month", "year"], `phases[${i}][duration][interval]`),
            int(ph.duration.interval_count ?? 1, `phases[${i}][duration][interval_count]`),
          );
        else if (ph.iterations !== undefined)
          end = addInterval(
            start,
            price.recurring.interval,
            price.recurring.interval_count * int(ph.iterations, `phases[${i}][iterations]`),
          );
        else if (i < phases.length - 1)
          throw new ApiError(400, `phases[${i}] needs an end_date or iterations.`, { param: `phases[${i}][end_date]` });
        const phase = {
          application_fee_percent: num(ph.application_fee_percent, `phases[${i}][application_fee_percent]`) ?? sub.application_fee_percent,
          end_date: end,
          items,
          metadata: mergeMetadata({}, ph.metadata),
          proration_behavior: ph.proration_behavior ?? "create_prorations",
          start_date: start,
          transfer_data: ph.transfer_data ? { amount_percent: null, destination: ph.transfer_data.destination } : sub.transfer_data,
        };
        start = end;
        return phase;
      });
    }
    this.emit("subscription_schedule.updated", schedule);
    return schedule;
  }

  /** POST /v1/subscription_schedules/:id/release: the subscription continues as it is, without the schedule. */
  releaseSubscriptionSchedule(id) {
    const schedule = this.fetch(id, "subscription_schedule");
    if (schedule.status !== "active" && schedule.status !== "not_started") {
      throw new ApiError(400, `You cannot release a subscription schedule that is currently in the \`${schedule.status}\` status.`, {
        param: "id",
      });
    }
    this.finishSchedule(schedule, "released");
    return schedule;
  }

  finishSchedule(schedule, status) {
    const sub = this.get(schedule.subscription);
    schedule.status = status;
    if (status === "released") {
      schedule.released_at = now();
      schedule.released_subscription = sub?.id ?? null;
    } else schedule.completed_at = now();
    schedule.current_phase = null;
    if (sub && sub.schedule === schedule.id) {
      const before = clone(sub);
      sub.schedule = null;
      this.emit("customer.subscription.updated", sub, { previous: diff(before, sub) });
    }
    this.emit(status === "released" ? "subscription_schedule.released" : "subscription_schedule.completed", schedule);
  }

  /**
   * At a renewal (period boundary `at`): a schedule whose next phase starts then swaps the items to
   * that phase's prices and merges its metadata into the subscription. Entering the last phase of a
   * schedule that ends with `release` releases it (the subscription then renews as it is).
   * Returns the schedule to report (or null).
   */
  advanceSchedule(sub, at) {
    if (!sub.schedule) return null;
    const schedule = this.get(sub.schedule);
    if (!schedule || schedule.status !== "active") return null;
    const idx = schedule.phases.findIndex((ph) => ph.start_date <= at && (ph.end_date === null || ph.end_date > at));
    if (idx <= 0) return null;
    const phase = schedule.phases[idx];
    const first = sub.items.data[0];
    sub.items.data = phase.items.map((it, j) => {
      const price = this.get(it.price);
      if (j === 0) {
        first.price = clone(price);
        first.quantity = it.quantity;
        return first;
      }
      return this.subscriptionItem(sub.id, price, it.quantity, sub.current_period_start, sub.current_period_end);
    });
    sub.items.total_count = sub.items.data.length;
    sub.metadata = mergeMetadata(sub.metadata, phase.metadata);
    if (phase.application_fee_percent !== undefined) sub.application_fee_percent = phase.application_fee_percent;
    schedule.phases.splice(0, idx);
    schedule.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
    return schedule;
  }

  /** Mirrors the period onto the subscription and each item (older + newer API shapes). */
  setPeriod(sub, start, end) {
    sub.current_period_start = start;
    sub.current_period_end = end;
    for (const item of sub.items.data) {
      item.current_period_start = start;
      item.current_period_end = end;
    }
  }

  liveSubscription(id) {
    const sub = this.fetch(id, "subscription");
    if (sub.status === "canceled" || sub.status === "incomplete_expired") {
      throw new ApiError(400, "A canceled subscription can only update its cancellation_details and metadata.", { param: "id" });
    }
    return sub;
  }

  /**
   * Advances to the next period. A past_due subscription instead retries its open invoice; one
   * set to cancel at period end is canceled instead of renewed.
   */
  renewSubscription(id) {
    const sub = this.liveSubscription(id);
    const latest = this.get(sub.latest_invoice);
    if (latest && latest.status === "open") {
      const before = clone(sub);
      this.payOpenInvoice(latest, sub);
      sub.status = "active";
      this.emit("invoice.paid", latest);
      this.emit("invoice.payment_succeeded", latest);
      this.emit("customer.subscription.updated", sub, { previous: diff(before, sub) });
      return sub;
    }
    if (sub.cancel_at_period_end || (sub.cancel_at && sub.cancel_at <= sub.current_period_end)) {
      return this.endSubscription(sub, sub.current_period_end, "cancellation_requested");
    }
    const before = clone(sub);
    const start = sub.current_period_end;
    const schedule = this.advanceSchedule(sub, start);
    const { interval, interval_count } = sub.items.data[0].price.recurring;
    const end = addInterval(start, interval, interval_count);
    const { invoice, payment } = this.createSubscriptionInvoice(sub, {
      reason: "subscription_cycle",
      periodStart: start,
      periodEnd: end,
      succeed: true,
    });
    this.setPeriod(sub, start, end);
    if (sub.status === "trialing" || sub.status === "past_due" || sub.status === "unpaid") sub.status = "active";
    if (schedule) {
      this.emit("subscription_schedule.updated", schedule);
      if (schedule.phases.length === 1 && schedule.end_behavior === "release") {
        schedule.status = "released";
        schedule.released_at = now();
        schedule.released_subscription = sub.id;
        schedule.current_phase = null;
        sub.schedule = null;
        this.emit("subscription_schedule.released", schedule);
      }
    }
    this.emit("invoice.created", invoice);
    this.emit("invoice.finalized", invoice);
    this.emit("invoice.paid", invoice);
    this.emit("invoice.payment_succeeded", invoice);
    this.emit("customer.subscription.updated", sub, { previous: diff(before, sub) });
    if (payment) this.emitPaymentEvents(payment);
    return sub;
  }

  payOpenInvoice(invoice, sub) {
    const t = now();
    const payment = this.createPayment({
      amount: invoice.amount_due,
      currency: invoice.currency,
      customer: invoice.customer,
      email: invoice.customer_email,
      name: invoice.customer_name,
      metadata: {},
      application_fee_amount: invoice.application_fee_amount,
      transfer_data: sub.transfer_data ? { destination: sub.transfer_data.destination } : null,
      description: "Subscription update",
      account: this.ownerAccount.get(sub.id),
    });
    invoice.status = "paid";
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.attempt_count += 1;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = t;
    this.internal.set(invoice.id, { payment_intent: payment.pi.id, charge: payment.charge.id });
    // As on Stripe, the invoice keeps every attempt: the failed ones are no longer the default
    // payment and the one that succeeded is added (after them) as `paid`.
    if (invoice.payments?.data) {
      for (const earlier of invoice.payments.data) {
        if (earlier.status === "open")
          Object.assign(earlier, {
            status: "canceled",
            is_default: false,
            status_transitions: { ...earlier.status_transitions, canceled_at: t },
          });
      }
      invoice.payments.data.push({
        id: randomId("inpay_"),
        object: "invoice_payment",
        amount_paid: invoice.amount_due,
        amount_requested: invoice.amount_due,
        created: t,
        currency: invoice.currency,
        invoice: invoice.id,
        is_default: true,
        livemode: false,
        payment: { payment_intent: payment.pi.id, type: "payment_intent" },
        status: "paid",
        status_transitions: { canceled_at: null, paid_at: t },
      });
    }
    this.emitPaymentEvents(payment);
  }

  /** Renewal whose payment fails: new period, open invoice, status past_due. */
  failSubscriptionPayment(id) {
    const sub = this.liveSubscription(id);
    const latest = this.get(sub.latest_invoice);
    if (latest && latest.status === "open") {
      // Another failed retry of the same invoice.
      latest.attempt_count += 1;
      latest.next_payment_attempt = now() + 3 * DAY;
      const payment = this.createPayment({
        amount: latest.amount_due,
        currency: latest.currency,
        customer: latest.customer,
        email: latest.customer_email,
        name: latest.customer_name,
        succeed: false,
        description: "Subscription update",
      });
      this.emit("invoice.payment_failed", latest);
      this.emitPaymentEvents(payment);
      return sub;
    }
    const before = clone(sub);
    const { interval, interval_count } = sub.items.data[0].price.recurring;
    const start = sub.current_period_end;
    const end = addInterval(start, interval, interval_count);
    const { invoice, payment } = this.createSubscriptionInvoice(sub, {
      reason: "subscription_cycle",
      periodStart: start,
      periodEnd: end,
      succeed: false,
    });
    this.setPeriod(sub, start, end);
    if (invoice.status === "open") sub.status = "past_due";
    this.emit("invoice.created", invoice);
    this.emit("invoice.finalized", invoice);
    this.emit(invoice.status === "open" ? "invoice.payment_failed" : "invoice.paid", invoice);
    this.emit("customer.subscription.updated", sub, { previous: diff(before, sub) });
    if (payment) this.emitPaymentEvents(payment);
    return sub;
  }

  endSubscription(sub, endedAt, reason, details = {}) {
    const t = now();
    sub.status = "canceled";
    sub.canceled_at = sub.canceled_at ?? t;
    sub.ended_at = endedAt ?? t;
    sub.cancel_at = sub.cancel_at ?? null;
    sub.cancellation_details = {
      comment: details.comment ?? sub.cancellation_details?.comment ?? null,
      feedback: details.feedback ?? sub.cancellation_details?.feedback ?? null,
      reason,
    };
    const latest = this.get(sub.latest_invoice);
    if (latest && latest.status === "open") {
      latest.status = "void";
      latest.status_transitions.voided_at = t;
      latest.next_payment_attempt = null;
    }
    this.emit("customer.subscription.deleted", sub);
    return sub;
  }

  /** DELETE /v1/subscriptions/:id — cancels immediately. */
  cancelSubscription(id, p = {}) {
    const sub = this.fetch(id, "subscription");
    if (sub.status === "canceled") {
      throw new ApiError(400, "This subscription has already been canceled.", { param: "id", code: "resource_missing" });
    }
    const details = p.cancellation_details ?? {};
    return this.endSubscription(sub, now(), "cancellation_requested", details);
  }

  updateSubscription(id, p) {
    const sub = this.fetch(id, "subscription");
    const before = clone(sub);
    if (sub.status === "canceled") {
      const allowed = new Set(["metadata", "cancellation_details", "expand"]);
      const bad = Object.keys(p).find((k) => !allowed.has(k));
      if (bad) throw new ApiError(400, "A canceled subscription can only update its cancellation_details and metadata.", { param: bad });
    }
    if (p.metadata !== undefined) sub.metadata = mergeMetadata(sub.metadata, p.metadata);
    if (p.description !== undefined) sub.description = str(p.description) || null;
    if (p.cancellation_details) {
      sub.cancellation_details = {
        ...sub.cancellation_details,
        ...(p.cancellation_details.comment !== undefined ? { comment: p.cancellation_details.comment || null } : {}),
        ...(p.cancellation_details.feedback !== undefined ? { feedback: p.cancellation_details.feedback || null } : {}),
      };
    }
    if (sub.schedule && (p.cancel_at_period_end !== undefined || p.cancel_at !== undefined)) {
      throw new ApiError(
        400,
        `The subscription is managed by the subscription schedule \`${sub.schedule}\`, and updating any cancelation behavior directly is not allowed. Please update the schedule instead.`,
        { param: p.cancel_at_period_end !== undefined ? "cancel_at_period_end" : "cancel_at" },
      );
    }
    if (p.cancel_at_period_end !== undefined) {
      const flag = bool(p.cancel_at_period_end, "cancel_at_period_end");
      sub.cancel_at_period_end = flag;
      sub.cancel_at = flag ? sub.current_period_end : null;
      sub.canceled_at = flag ? now() : null;
      sub.cancellation_details = { ...sub.cancellation_details, reason: flag ? "cancellation_requested" : null };
    }
    if (p.cancel_at !== undefined) {
      const at = p.cancel_at === "" ? null : int(p.cancel_at, "cancel_at");
      sub.cancel_at = at;
      sub.cancel_at_period_end = at !== null && at === sub.current_period_end;
      sub.canceled_at = at === null ? null : now();
      sub.cancellation_details = { ...sub.cancellation_details, reason: at === null ? null : "cancellation_requested" };
    }
    if (p.application_fee_percent !== undefined) {
      sub.application_fee_percent = num(p.application_fee_percent, "application_fee_percent");
    }
    if (p.transfer_data !== undefined) {
      if (p.transfer_data === "") sub.transfer_data = null;
      else {
        const dest = required(p.transfer_data.destination, "transfer_data[destination]");
        this.assertDestination(dest, "transfer_data[destination]");
        sub.transfer_data = { amount_percent: num(p.transfer_data.amount_percent) ?? null, destination: dest };
      }
    }
    if (p.default_payment_method !== undefined) sub.default_payment_method = p.default_payment_method || null;
    if (p.pause_collection !== undefined) {
      sub.pause_collection =
        p.pause_collection === ""
          ? null
          : { behavior: p.pause_collection.behavior, resumes_at: int(p.pause_collection.resumes_at) ?? null };
    }
    if (p.trial_end !== undefined && sub.status === "trialing") {
      if (p.trial_end === "now") {
        sub.trial_end = now();
        sub.status = "active";
      }
    }
    let plan = null;
    if (p.items !== undefined) {
      if (sub.schedule && asArray(p.items).some((it) => it.price)) {
        throw new ApiError(
          400,
          `The subscription is managed by the subscription schedule \`${sub.schedule}\`, and updating its items directly is not allowed. Please update the schedule instead.`,
          { param: "items" },
        );
      }
      plan = this.planItemChange(sub, p);
      this.applyItemChange(sub, plan);
    } else if (p.proration_behavior !== undefined) {
      oneOf(p.proration_behavior, ["create_prorations", "always_invoice", "none"], "proration_behavior");
    }
    let invoiced = null;
    if (plan?.invoiceNow) {
      invoiced = this.createSubscriptionInvoice(sub, {
        reason: "subscription_update",
        periodStart: sub.current_period_start,
        periodEnd: sub.current_period_end,
        itemLines: plan.intervalChanged,
        prorations: plan.prorations,
        succeed: true,
      });
    } else if (plan?.prorations.length) {
      // create_prorations: pending invoice items, billed with the next invoice.
      const key = `pending_prorations:${sub.id}`;
      this.internal.set(key, [...(this.internal.get(key) ?? []), ...plan.prorations]);
    }
    const previous = diff(before, sub);
    if (Object.keys(previous).length) {
      this.emit("customer.subscription.updated", sub, { previous });
    }
    if (invoiced) {
      const { invoice, payment } = invoiced;
      this.emit("invoice.created", invoice);
      this.emit("invoice.finalized", invoice);
      this.emit("invoice.paid", invoice);
      this.emit("invoice.payment_succeeded", invoice);
      if (payment) this.emitPaymentEvents(payment);
    }
    return sub;
  }

  recurringPrice(priceId, sub, param) {
    const price = this.ref(priceId, "price", "price", param);
    if (!price.recurring) {
      throw new ApiError(400, "The price specified is not a recurring price; subscriptions need recurring prices.", { param });
    }
    if (price.currency !== sub.currency) {
      throw new ApiError(400, `The price's currency (${price.currency}) does not match the subscription's (${sub.currency}).`, { param });
    }
    if (!price.active) {
      throw new ApiError(400, "The price specified is inactive. This field only accepts active prices.", { param });
    }
    return price;
  }

  // ---------------------------------------------------------------- refunds & disputes

  chargeFor(p) {
    if (p.charge) return this.ref(p.charge, "charge", "charge", "charge");
    if (p.payment_intent) {
      const pi = this.ref(p.payment_intent, "payment_intent", "payment_intent", "payment_intent");
      const charge = this.get(pi.latest_charge);
      if (!charge || pi.status !== "succeeded") {
        throw new ApiError(400, `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, { param: "payment_intent" });
      }
      return charge;
    }
    throw new ApiError(400, "One of the following params should be provided for this request: payment_intent or charge.", {
      param: "charge",
    });
  }

  createRefund(p) {
    if (p.charge && p.payment_intent) {
      throw new ApiError(400, "You may only specify one of these parameters: charge, payment_intent.", { param: "payment_intent" });
    }
    const charge = this.chargeFor(p);
    if (charge.status !== "succeeded") {
      throw new ApiError(400, `Charge ${charge.id} has not succeeded and cannot be refunded.`, { param: "charge" });
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw new ApiError(400, `Charge ${charge.id} has already been refunded.`, { code: "charge_already_refunded" });
    }
    const amount = int(p.amount, "amount") ?? remaining;
    if (amount < 1) throw new ApiError(400, "Refund amount must be at least 1.", { param: "amount" });
    if (amount > remaining) {
      throw new ApiError(
        400,
        `Refund amount (${formatMoney(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatMoney(remaining, charge.currency)})`,
        { param: "amount", code: "amount_too_large" },
      );
    }
    const reason = oneOf(p.reason, ["duplicate", "fraudulent", "requested_by_customer"], "reason") ?? null;
    const refundFee = bool(p.refund_application_fee, "refund_application_fee") ?? false;
    const reverseTransfer = bool(p.reverse_transfer, "reverse_transfer") ?? false;
    const before = clone(charge);
    const t = now();
    // As on Stripe: a refund made without `reverse_transfer` / `refund_application_fee` (the
    // dashboard's default) leaves the transfer and the application fee alone, so the platform funds
    // it. With them, a full refund of the charge returns all of both; a partial one returns them in
    // proportion to the refunded amount, rounded to the nearest minor unit (never more than is
    // left). The refund that empties the charge also takes a rounding cent left over by earlier
    // proportional refunds, so a series of them adds up to the whole fee and transfer.
    const refundId = randomId("re_");
    const emptiesCharge = amount === remaining;
    const share = (total, done) => {
      const left = total - done;
      if (amount === charge.amount) return left;
      const proportional = Math.round((total * amount) / charge.amount);
      return emptiesCharge && Math.abs(left - proportional) <= 1 ? left : Math.min(left, proportional);
    };
    let transferReversal = null;
    let reversed = null;
    if (reverseTransfer && charge.transfer) {
      const transfer = this.get(charge.transfer);
      const reversal = share(transfer.amount, transfer.amount_reversed);
      if (reversal > 0) {
        const transferBefore = clone(transfer);
        transferReversal = randomId("trr_");
        const trr = this.put({
          id: transferReversal,
          object: "transfer_reversal",
          amount: reversal,
          balance_transaction: randomId("txn_"),
          created: t,
          currency: transfer.currency,
          destination_payment_refund: randomId("pyr_"),
          metadata: {},
          source_refund: refundId,
          transfer: transfer.id,
        });
        transfer.amount_reversed += reversal;
        transfer.reversed = transfer.amount_reversed >= transfer.amount;
        transfer.reversals.data.unshift(clone(trr));
        transfer.reversals.total_count = transfer.reversals.data.length;
        reversed = () => this.emit("transfer.reversed", transfer, { previous: diff(transferBefore, transfer) });
      }
    }
    let feeRefunded = null;
    if (refundFee && charge.application_fee) {
      const fee = this.get(charge.application_fee);
      const back = share(fee.amount, fee.amount_refunded);
      if (back > 0) {
        const feeBefore = clone(fee);
        const fr = this.put({
          id: randomId("fr_"),
          object: "fee_refund",
          amount: back,
          balance_transaction: randomId("txn_"),
          created: t,
          currency: fee.currency,
          fee: fee.id,
          metadata: {},
        });
        fee.amount_refunded += back;
        fee.refunded = fee.amount_refunded >= fee.amount;
        fee.refunds.data.unshift(clone(fr));
        fee.refunds.total_count = fee.refunds.data.length;
        feeRefunded = () => this.emit("application_fee.refunded", fee, { previous: diff(feeBefore, fee) });
      }
    }
    const refund = this.put(
      {
        id: refundId,
        object: "refund",
        amount,
        balance_transaction: randomId("txn_"),
        charge: charge.id,
        created: t,
        currency: charge.currency,
        destination_details: {
          card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" },
          type: "card",
        },
        metadata: mergeMetadata({}, p.metadata),
        payment_intent: charge.payment_intent,
        reason,
        receipt_number: null,
        source_transfer_reversal: null,
        status: "succeeded",
        transfer_reversal: transferReversal,
      },
      this.ownerAccount.get(charge.id),
    );
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    this.emit("charge.refunded", charge, { previous: diff(before, charge) });
    this.emit("refund.created", refund);
    feeRefunded?.();
    reversed?.();
    return refund;
  }

  createDispute(chargeOrPi, p = {}) {
    const charge = chargeOrPi?.startsWith("pi_")
      ? this.get(this.fetch(chargeOrPi, "payment_intent").latest_charge)
      : this.fetch(chargeOrPi, "charge");
    if (charge.status !== "succeeded") throw new ApiError(400, `Charge ${charge.id} did not succeed; it cannot be disputed.`);
    if (charge.disputed) throw new ApiError(400, `Charge ${charge.id} is already disputed.`);
    const t = now();
    const dispute = this.put(
      {
        id: randomId("du_"),
        object: "dispute",
        amount: p.amount ?? charge.amount - charge.amount_refunded,
        balance_transactions: [],
        charge: charge.id,
        created: t,
        currency: charge.currency,
        enhanced_eligibility_types: [],
        evidence: {},
        evidence_details: { due_by: t + 7 * DAY, has_evidence: false, past_due: false, submission_count: 0 },
        is_charge_refundable: false,
        livemode: false,
        metadata: {},
        payment_intent: charge.payment_intent,
        payment_method_details: { card: { brand: "visa", case_type: "chargeback", network_reason_code: "10.4" }, type: "card" },
        reason: p.reason ?? "fraudulent",
        status: "needs_response",
      },
      this.ownerAccount.get(charge.id),
    );
    charge.disputed = true;
    this.emit("charge.dispute.created", dispute);
    return dispute;
  }

  /**
   * `POST /v1/disputes/:id` as on Stripe: `metadata` merges; `evidence` fields merge into the
   * dispute's evidence and, unless `submit=false` stages them, are submitted to the bank
   * (needs_response → under_review, warning_needs_response → warning_under_review). `submit=true`
   * alone submits staged evidence. A closed dispute takes metadata only. Sends charge.dispute.updated.
   */
  updateDispute(id, p = {}) {
    const dispute = this.fetch(id, "dispute");
    const submit = bool(p.submit, "submit");
    const hasEvidence = p.evidence !== undefined && p.evidence !== "";
    if ((hasEvidence || submit) && ["won", "lost", "warning_closed"].includes(dispute.status)) {
      throw new ApiError(400, `Dispute ${dispute.id} is already closed (${dispute.status}); its evidence can't change.`, {
        param: hasEvidence ? "evidence" : "submit",
      });
    }
    const before = clone(dispute);
    if (p.metadata !== undefined) dispute.metadata = mergeMetadata(dispute.metadata, p.metadata);
    if (hasEvidence) {
      if (typeof p.evidence !== "object") throw new ApiError(400, "Invalid hash: evidence", { param: "evidence" });
      dispute.evidence = {
        ...dispute.evidence,
        ...Object.fromEntries(Object.entries(p.evidence).map(([k, v]) => [k, v === "" ? null : str(v)])),
      };
    }
    if ((hasEvidence && submit !== false) || (submit === true && Object.keys(dispute.evidence).length)) {
      dispute.status = { needs_response: "under_review", warning_needs_response: "warning_under_review" }[dispute.status] ?? dispute.status;
      dispute.evidence_details = {
        ...dispute.evidence_details,
        has_evidence: true,
        submission_count: dispute.evidence_details.submission_count + 1,
      };
    }
    const previous = diff(before, dispute);
    if (Object.keys(previous).length) this.emit("charge.dispute.updated", dispute, { previous });
    return dispute;
  }

  /** Closes a dispute as the card network would: `won` (funds reinstated) or `lost`. Sends charge.dispute.closed. */
  closeDispute(id, p = {}) {
    const dispute = this.fetch(id, "dispute");
    const status = oneOf(p.status, ["won", "lost"], "status") ?? "won";
    if (dispute.status === "won" || dispute.status === "lost") {
      throw new ApiError(400, `Dispute ${dispute.id} is already closed (${dispute.status}).`);
    }
    const before = clone(dispute);
    dispute.status = status;
    dispute.is_charge_refundable = false;
    this.emit("charge.dispute.closed", dispute, { previous: diff(before, dispute) });
    return dispute;
  }

  // ---------------------------------------------------------------- transfers (Connect)

  /**
   * POST /v1/transfers: money from the platform's balance to a connected account, as on Stripe
   * (amount, currency and destination required; `source_transaction` ties it to a charge whose
   * funds it draws on, and may not exceed what that charge has left; `transfer_group`, metadata).
   * The platform's own balance is not modelled (never "insufficient funds" here).
   */
  createTransfer(p) {
    const amount = int(required(p.amount, "amount"), "amount");
    if (amount <= 0) throw new ApiError(400, "Invalid positive integer", { param: "amount", code: "parameter_invalid_integer" });
    const currency = String(required(p.currency, "currency")).toLowerCase();
    const destination = this.assertDestination(required(p.destination, "destination"), "destination").id;
    let sourceTransaction = null;
    if (p.source_transaction !== undefined && p.source_transaction !== "") {
      const charge = this.get(p.source_transaction);
      if (!charge || charge.object !== "charge") {
        throw new ApiError(400, `No such charge: '${p.source_transaction}'`, { param: "source_transaction", code: "resource_missing" });
      }
      if (charge.currency !== currency) {
        throw new ApiError(400, "The currency of source_transaction's balance transaction must be the same as the transfer currency.", {
          param: "currency",
        });
      }
      const drawn = this.all("transfer")
        .filter((t) => t.source_transaction === charge.id && t.id !== charge.transfer)
        .reduce((sum, t) => sum + t.amount - t.amount_reversed, 0);
      if (amount > charge.amount - charge.amount_refunded - drawn) {
        throw new ApiError(400, "Insufficient funds in the source transaction for this transfer.", {
          param: "amount",
          code: "balance_insufficient",
        });
      }
      sourceTransaction = charge.id;
    }
    const id = randomId("tr_");
    const transfer = this.put({
      id,
      object: "transfer",
      amount,
      amount_reversed: 0,
      balance_transaction: randomId("txn_"),
      created: now(),
      currency,
      description: str(p.description, "description") ?? null,
      destination,
      destination_payment: randomId("py_"),
      livemode: false,
      metadata: mergeMetadata({}, p.metadata),
      reversals: emptyList(`/v1/transfers/${id}/reversals`),
      reversed: false,
      source_transaction: sourceTransaction,
      source_type: "card",
      transfer_group: str(p.transfer_group, "transfer_group") ?? null,
    });
    this.emit("transfer.created", transfer);
    return transfer;
  }

  /** POST /v1/transfers/:id/reversals: all that is left, or `amount` of it (never more). */
  createTransferReversal(transferId, p) {
    const transfer = this.fetch(transferId, "transfer");
    const left = transfer.amount - transfer.amount_reversed;
    const amount = p.amount === undefined ? left : int(p.amount, "amount");
    if (left <= 0)
      throw new ApiError(400, `Transfer ${transfer.id} has already been fully reversed.`, { code: "transfer_already_reversed" });
    if (amount <= 0 || amount > left) {
      throw new ApiError(400, `Amount (${amount}) is greater than the amount left to reverse (${left}) on transfer ${transfer.id}.`, {
        param: "amount",
        code: "amount_too_large",
      });
    }
    const before = clone(transfer);
    const reversal = this.put({
      id: randomId("trr_"),
      object: "transfer_reversal",
      amount,
      balance_transaction: randomId("txn_"),
      created: now(),
      currency: transfer.currency,
      destination_payment_refund: randomId("pyr_"),
      metadata: mergeMetadata({}, p.metadata),
      source_refund: null,
      transfer: transfer.id,
    });
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed >= transfer.amount;
    transfer.reversals.data.unshift(clone(reversal));
    transfer.reversals.total_count = transfer.reversals.data.length;
    this.emit("transfer.reversed", transfer, { previous: diff(before, transfer) });
    return reversal;
  }

  // ---------------------------------------------------------------- billing portal

  createPortalSession(p) {
    const customer = this.ref(required(p.customer, "customer"), "customer", "customer", "customer");
    if (p.return_url !== undefined && !/^https?:\/\//.test(p.return_url)) {
      throw new ApiError(400, "Not a valid URL", { param: "return_url", code: "url_invalid" });
    }
    const id = randomId("bps_");
    return this.put({
      id,
      object: "billing_portal.session",
      configuration: "bpc_emulator_default",
      created: now(),
      customer: customer.id,
      flow: null,
      livemode: false,
      locale: p.locale ?? null,
      on_behalf_of: p.on_behalf_of ?? null,
      return_url: p.return_url ?? null,
      url: `${this.publicUrl}/billing/portal/${id}`,
    });
  }
}

export function formatMoney(amount, currency = "usd") {
  if (amount === null || amount === undefined) return "—";
  const code = String(currency).toUpperCase();
  const value = ZERO_DECIMAL.has(String(currency).toLowerCase()) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: code }).format(value);
  } catch {
    return `${value.toFixed(2)} ${code}`;
  }
}
