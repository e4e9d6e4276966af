#!/usr/bin/env node
// Local Stripe emulator: a plain Node HTTP server that speaks the subset of Stripe's API the app
// uses, serves stand-in hosted pages, and delivers webhooks signed like Stripe's. See README.md.
//
//   node tools/stripe-emulator/server.mjs
//   STRIPE_EMULATOR_PORT=12111 STRIPE_WEBHOOK_URL=http://127.0.0.1:8787/webhooks/stripe node tools/stripe-emulator/server.mjs

import http from "node:http";
import { pathToFileURL } from "node:url";
import { compileRoutes, matchRoute, routes } from "./api.mjs";
import { ApiError } from "./errors.mjs";
import { parseForm } from "./form.mjs";
import {
  checkoutClosedPage,
  checkoutPage,
  dashboardPage,
  invoicePage,
  messagePage,
  onboardingPage,
  portalPage,
  receiptPage,
  resolveSuccessUrl,
} from "./pages.mjs";
import { DEFAULT_API_VERSION, StripeState, now, randomId } from "./resources.mjs";
import { WebhookDispatcher } from "./webhooks.mjs";
import { readSnapshot, removeStaleTemps, restoreSnapshot, snapshotOf, writeSnapshot } from "./persist.mjs";

export { signPayload } from "./webhooks.mjs";
export { DEFAULT_API_VERSION } from "./resources.mjs";

export const DEFAULT_PORT = 12111;
export const DEFAULT_WEBHOOK_SECRET = "whsec_allthrive_local_emulator";
export const DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8787/webhooks/stripe";

const MAX_BODY = 1024 * 1024;
const compiled = compileRoutes(routes);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, "Request body too large."));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, no-store",
    ...headers,
  });
  res.end(text);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(html),
    "Cache-Control": "no-store",
  });
  res.end(html);
}

function redirect(res, location) {
  res.writeHead(303, { Location: location, "Content-Length": 0, "Cache-Control": "no-store" });
  res.end();
}

/** Control endpoints accept JSON, form bodies, or nothing. */
function parseControlBody(raw, contentType) {
  if (!raw.trim()) return {};
  if (/json/.test(contentType ?? "") || /^\s*[{[]/.test(raw)) {
    try {
      const body = JSON.parse(raw);
      if (body === null || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
      return body;
    } catch {
      throw new ApiError(400, "Invalid JSON body.");
    }
  }
  return parseForm(raw);
}

/** Parses a human amount ("5", "5.00", "5,5") into minor units. */
function parseMajorAmount(text, currency) {
  const cleaned = String(text ?? "")
    .trim()
    .replace(/[^0-9.,-]/g, "")
    .replace(",", ".");
  if (!cleaned) return undefined;
  const value = Number(cleaned);
  if (!Number.isFinite(value)) return NaN;
  return ["jpy", "krw", "vnd", "clp"].includes(currency) ? Math.round(value) : Math.round(value * 100);
}

/**
 * Starts the emulator.
 * @param {{port?: number, host?: string, webhookUrl?: string|null, webhookSecret?: string,
 *   publicUrl?: string, apiVersion?: string, retryDelaysMs?: number[], deliveryWaitMs?: number,
 *   enabledEvents?: string[]|'*', requireDestinationCapabilities?: boolean, verbose?: boolean,
 *   log?: (line: string) => void, stateFile?: string|null}} [options]
 *   `stateFile`: where to keep the state across restarts (loaded on start, written atomically
 *   before every response that changed something). Without it the state lives in memory only.
 * @returns {Promise<{url: string, port: number, close: () => Promise<void>, state: StripeState,
 *   dispatcher: WebhookDispatcher, config: object}>}
 */
export async function startEmulator(options = {}) {
  const {
    port = DEFAULT_PORT,
    host = "127.0.0.1",
    webhookUrl = null,
    webhookSecret = DEFAULT_WEBHOOK_SECRET,
    apiVersion = DEFAULT_API_VERSION,
    retryDelaysMs = [100, 500],
    enabledEvents = "*",
    requireDestinationCapabilities = true,
    verbose = process.env.STRIPE_EMULATOR_VERBOSE === "1",
  } = options;
  const log = options.log ?? ((line) => console.log(`[stripe-emulator] ${line}`));
  const config = {
    // How long hosted-page redirects and control endpoints wait for their webhooks to be
    // delivered (never the /v1 API), so tests and demos see the app's reaction right away.
    deliveryWaitMs: options.deliveryWaitMs ?? 5000,
  };

  const dispatcher = new WebhookDispatcher({
    webhookUrl,
    webhookSecret,
    retryDelaysMs,
    enabledEvents,
    log: verbose ? log : () => {},
  });
  const state = new StripeState({ publicUrl: "", apiVersion, dispatcher, requireDestinationCapabilities });
  /** Idempotency-Key → {method, path, body, status, response} */
  const idempotency = new Map();
  /** Injected failures: {method?, path (prefix of the /v1 path), kind, times} */
  const faults = [];

  const stateFile = options.stateFile ?? null;
  let restored = false;
  let dirty = false;
  const saveNow = () => {
    if (!stateFile || !dirty) return;
    dirty = false;
    try {
      writeSnapshot(stateFile, snapshotOf({ state, dispatcher, idempotency }));
    } catch (err) {
      dirty = true;
      log(`could not save state to ${stateFile}: ${err?.message ?? err}`);
    }
  };
  const markDirty = () => {
    dirty = true;
  };
  if (stateFile) {
    removeStaleTemps(stateFile);
    const snap = readSnapshot(stateFile, log);
    if (snap) {
      restoreSnapshot(snap, { state, dispatcher, idempotency });
      restored = true;
    }
    // Deliveries change the webhook log; save after each attempt (coalesced).
    let timer = null;
    dispatcher.onChange = () => {
      dirty = true;
      timer ??= setTimeout(() => {
        timer = null;
        saveNow();
      }, 20);
    };
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const isRead =
      req.method === "GET" && (req.url.startsWith("/v1/") || req.url.startsWith("/_emulator/") || req.url === "/health" || req.url === "/");
    if (stateFile && !isRead) {
      // Anything but a read may change state: make it durable before the answer leaves, so an
      // acknowledged request is never lost to a kill.
      markDirty();
      const end = res.end.bind(res);
      res.end = (...args) => {
        saveNow();
        return end(...args);
      };
    }
    handle(req, res)
      .catch((err) => {
        if (!(err instanceof ApiError)) log(`internal error: ${err?.stack ?? err}`);
        const apiErr =
          err instanceof ApiError ? err : new ApiError(500, "An unexpected error occurred in the Stripe emulator.", { type: "api_error" });
        if (!res.headersSent) sendJson(res, apiErr.status, apiErr.toJSON(), { "Request-Id": randomId("req_", 14) });
        else res.end();
      })
      .finally(() => {
        if (verbose) log(`${req.method} ${req.url} → ${res.statusCode} (${Date.now() - started} ms)`);
      });
  });

  async function waitForEvents(records, query, body) {
    const skip = query.get("wait") === "0" || query.get("wait") === "false" || body?.wait === false;
    if (!skip) await dispatcher.waitFor(records, config.deliveryWaitMs);
  }

  async function handle(req, res) {
    const url = new URL(req.url, "http://emulator.local");
    const path = url.pathname;
    const method = req.method.toUpperCase();
    const raw = method === "GET" || method === "HEAD" ? "" : await readBody(req);

    if (path.startsWith("/v1/")) return handleApi(req, res, method, path, url, raw);
    if (path.startsWith("/_emulator/")) return handleControl(req, res, method, path, url, raw);
    if (path === "/" || path === "/health") {
      return sendJson(res, 200, { ok: true, name: "stripe-emulator", api_version: apiVersion, webhook_url: dispatcher.webhookUrl });
    }
    return handlePage(req, res, method, path, url, raw);
  }

  // ------------------------------------------------------------------ /v1 API

  async function handleApi(req, res, method, path, url, raw) {
    const requestId = randomId("req_", 14);
    const headers = { "Request-Id": requestId, "Stripe-Version": req.headers["stripe-version"] ?? apiVersion };
    const auth = req.headers.authorization ?? "";
    const key =
      /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ??
      (/^Basic\s+(\S+)$/i.test(auth) ? Buffer.from(auth.split(/\s+/)[1], "base64").toString().split(":")[0] : null);
    if (!key) {
      throw new ApiError(
        401,
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    if (!/^(sk|rk)_(test|live)_/.test(key)) {
      throw new ApiError(401, `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`, {
        code: "api_key_invalid",
      });
    }
    const stripeAccount = req.headers["stripe-account"] || null;
    if (stripeAccount) {
      const acct = state.get(stripeAccount);
      if (!acct || acct.object !== "account") {
        throw new ApiError(
          403,
          `The provided key does not have access to account '${stripeAccount}' (or that account does not exist). Application access may have been revoked.`,
          { code: "account_invalid" },
        );
      }
      headers["Stripe-Account"] = stripeAccount;
    }

    const query = parseForm(url.searchParams);
    const body = raw ? parseForm(raw) : {};
    const params = { ...query, ...body };

    // Injected failures (tests). `timeout`: Stripe does the work but answers only after `delayMs`
    // (every matching request, retries and idempotent replays included), like a hung connection.
    const matches = (f) =>
      (!f.method || f.method === method) &&
      path.startsWith(f.path) &&
      f.times > 0 &&
      (!f.match || decodeURIComponent(raw.replace(/\+/g, " ")).includes(f.match) || path.includes(f.match));
    const slow = faults.find((f) => f.kind === "timeout" && matches(f));
    if (slow) {
      slow.times--;
      const send = sendJson;
      const late = (r, ...rest) => {
        const t = setTimeout(() => {
          if (!r.destroyed && !r.writableEnded) send(r, ...rest);
        }, slow.delayMs);
        r.once("close", () => clearTimeout(t));
      };
      return handleApiAnswer(req, res, method, path, raw, headers, stripeAccount, params, late);
    }
    return handleApiAnswer(req, res, method, path, raw, headers, stripeAccount, params, sendJson);
  }

  async function handleApiAnswer(req, res, method, path, raw, headers, stripeAccount, params, sendJson) {
    const requestId = headers["Request-Id"];
    const idemKey = req.headers["idempotency-key"];
    const cacheKey = idemKey && (method === "POST" || method === "DELETE") ? `${stripeAccount ?? ""}|${idemKey}` : null;
    if (cacheKey && idempotency.has(cacheKey)) {
      const prior = idempotency.get(cacheKey);
      if (prior.method !== method || prior.path !== path) {
        throw new ApiError(
          400,
          `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${prior.method} ${prior.path}' vs '${method} ${path}'). Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          { type: "idempotency_error" },
        );
      }
      if (prior.body !== raw) {
        throw new ApiError(
          400,
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          { type: "idempotency_error" },
        );
      }
      return sendJson(res, prior.status, prior.response, {
        ...headers,
        "Idempotency-Key": idemKey,
        "Idempotent-Replayed": "true",
        "Original-Request": prior.requestId,
      });
    }

    // Injected failures (tests): answer like Stripe does when things go wrong.
    const fault = faults.find(
      (f) =>
        f.kind !== "timeout" &&
        (!f.method || f.method === method) &&
        path.startsWith(f.path) &&
        f.times > 0 &&
        (!f.match || decodeURIComponent(raw.replace(/\+/g, " ")).includes(f.match) || path.includes(f.match)),
    );
    if (fault) {
      fault.times--;
      if (fault.kind === "network") return void req.socket.destroy();
      const err = {
        resource_missing: new ApiError(400, `No such destination: '${stripeAccount ?? "acct_unknown"}'`, {
          code: "resource_missing",
          param: "destination",
        }),
        account_invalid: new ApiError(403, "The provided key does not have access to this account.", { code: "account_invalid" }),
        rate_limit: new ApiError(429, "Too many requests hit the API too quickly.", { type: "invalid_request_error", code: "rate_limit" }),
        server_error: new ApiError(500, "An unknown error occurred.", { type: "api_error" }),
      }[fault.kind];
      return sendJson(res, err.status, err.toJSON(), headers);
    }

    const match = matchRoute(compiled, method, path);
    if (!match || match.methodMismatch) {
      throw new ApiError(
        404,
        `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      );
    }

    state.requestContext = { requestId, idempotencyKey: idemKey ?? null };
    let result;
    try {
      result = state.expand(match.handler(state, params, { account: stripeAccount }, match.params), params.expand);
    } finally {
      state.requestContext = null;
    }
    if (cacheKey) {
      idempotency.set(cacheKey, { method, path, body: raw, status: 200, response: result, requestId });
      if (idempotency.size > 10_000) idempotency.delete(idempotency.keys().next().value);
      headers["Idempotency-Key"] = idemKey;
    }
    return sendJson(res, 200, result, headers);
  }

  // ------------------------------------------------------------------ control endpoints

  async function handleControl(req, res, method, path, url, raw) {
    const body = parseControlBody(raw, req.headers["content-type"]);
    const seg = path.split("/").filter(Boolean).slice(1).map(decodeURIComponent); // drop "_emulator"
    const route = `${method} ${seg.map((s, i) => (i % 2 === 1 && seg.length > 2 ? ":id" : s)).join("/")}`;
    const id = seg[1];

    const act = async (fn, extra = {}) => {
      const [object, records] = state.track(fn);
      await waitForEvents(records, url.searchParams, body);
      return sendJson(res, 200, {
        object,
        ...extra,
        events: records.map((r) => ({
          id: r.event.id,
          type: r.event.type,
          delivered: r.deliveries.some((d) => d.ok),
          attempts: r.deliveries.length,
        })),
      });
    };

    switch (route) {
      case "POST checkout/:id/pay": {
        const amount = body.amount === undefined || body.amount === null || body.amount === "" ? undefined : Number(body.amount);
        if (amount !== undefined && !Number.isInteger(amount)) {
          throw new ApiError(400, "amount must be an integer in minor units (e.g. 500 for $5.00).", { param: "amount" });
        }
        return act(() => state.completeCheckoutSession(id, { amount, email: body.email, name: body.name }));
      }
      case "POST checkout/:id/decline": {
        const { session, error } = state.declineCheckoutSession(id);
        return sendJson(res, 200, { object: session, error, events: [] });
      }
      case "POST checkout/:id/expire":
        return act(() => state.expireCheckoutSession(id));
      case "POST accounts/:id/complete_onboarding":
        return act(() => state.completeOnboarding(id));
      case "POST accounts/:id/require_information":
        return act(() => state.requireInformation(id, body ?? {}));
      case "POST subscriptions/:id/renew":
        return act(() => state.renewSubscription(id));
      case "POST subscriptions/:id/age":
        return act(() => state.ageSubscription(id, body.seconds));
      case "POST subscriptions/:id/fail_payment":
        return act(() => state.failSubscriptionPayment(id));
      case "POST subscriptions/:id/cancel":
        return act(() => state.cancelSubscription(id, body));
      case "POST charges/:id/dispute":
        return act(() =>
          state.createDispute(id, {
            reason: body.reason,
            amount: body.amount === undefined ? undefined : Number(body.amount),
          }),
        );
      case "POST disputes/:id/close":
        return act(() => state.closeDispute(id, { status: body.status }));
      case "GET events": {
        const type = url.searchParams.get("type");
        const records = dispatcher.records.filter((r) => !type || r.event.type === type);
        return sendJson(res, 200, {
          events: records.map((r) => ({ event: r.event, payload: r.payload, signature: r.signature, deliveries: r.deliveries })),
        });
      }
      case "POST events/:id/resend": {
        const result = dispatcher.resend(id);
        if (!result) throw new ApiError(404, `No such event: '${id}'`, { code: "resource_missing", param: "id" });
        await waitForEvents([result.rec], url.searchParams, body);
        return sendJson(res, 200, { event: result.rec.event, deliveries: result.rec.deliveries });
      }
      case "POST flush":
        await dispatcher.idle(Number(body.timeout_ms ?? 10_000));
        return sendJson(res, 200, { ok: true, pending: dispatcher.queue.length });
      case "POST reset":
        faults.length = 0;
        state.reset();
        dispatcher.reset();
        idempotency.clear();
        return sendJson(res, 200, { ok: true });
      case "POST faults": {
        const kinds = ["resource_missing", "account_invalid", "rate_limit", "server_error", "network", "timeout"];
        if (!kinds.includes(body.kind)) throw new ApiError(400, `kind must be one of ${kinds.join(", ")}.`, { param: "kind" });
        if (typeof body.path !== "string" || !body.path.startsWith("/v1/"))
          throw new ApiError(400, "path must be a /v1/ path prefix.", { param: "path" });
        // `match`: only requests whose form body or path contains this text (so parallel tests don't collide).
        faults.push({
          method: body.method ? String(body.method).toUpperCase() : null,
          path: body.path,
          match: body.match ? String(body.match) : null,
          kind: body.kind,
          times: Number(body.times ?? 1000),
          delayMs: Number(body.delayMs ?? 10_000),
        });
        return sendJson(res, 200, { faults });
      }
      case "DELETE faults": {
        const only = url.searchParams.get("match");
        for (let i = faults.length - 1; i >= 0; i--) if (!only || faults[i].match === only) faults.splice(i, 1);
        return sendJson(res, 200, { faults });
      }
      case "GET config":
        return sendJson(res, 200, currentConfig());
      case "POST config": {
        if ("webhookUrl" in body) {
          if (body.webhookUrl !== null && typeof body.webhookUrl !== "string") {
            throw new ApiError(400, "webhookUrl must be a URL string or null.", { param: "webhookUrl" });
          }
          dispatcher.webhookUrl = body.webhookUrl || null;
        }
        if (typeof body.webhookSecret === "string" && body.webhookSecret) dispatcher.webhookSecret = body.webhookSecret;
        if ("enabledEvents" in body) dispatcher.enabledEvents = body.enabledEvents ?? "*";
        if (Number.isFinite(body.deliveryWaitMs)) config.deliveryWaitMs = body.deliveryWaitMs;
        if (Array.isArray(body.retryDelaysMs)) dispatcher.retryDelaysMs = body.retryDelaysMs.map(Number);
        return sendJson(res, 200, currentConfig());
      }
      case "GET state":
        return sendJson(res, 200, { objects: [...state.objects.values()].filter((o) => o.object !== "event") });
      default:
        throw new ApiError(404, `Unrecognized emulator control URL (${method}: ${path}).`);
    }
  }

  function currentConfig() {
    return {
      webhookUrl: dispatcher.webhookUrl,
      webhookSecret: dispatcher.webhookSecret,
      enabledEvents: dispatcher.enabledEvents,
      retryDelaysMs: dispatcher.retryDelaysMs,
      deliveryWaitMs: config.deliveryWaitMs,
      apiVersion,
      publicUrl: state.publicUrl,
    };
  }

  // ------------------------------------------------------------------ hosted pages

  async function handlePage(req, res, method, path, url, raw) {
    const form = method === "POST" ? parseForm(raw) : {};
    let m;

    if ((m = /^\/checkout\/pay\/([^/]+)\/?$/.exec(path))) {
      const session = state.get(decodeURIComponent(m[1]));
      if (!session || session.object !== "checkout.session") {
        return sendHtml(res, 404, messagePage("Checkout session not found", "This payment link is invalid."));
      }
      state.expireIfDue(session);
      const data = state.internal.get(session.id);
      const render = (status, extra = {}) =>
        sendHtml(
          res,
          status,
          checkoutPage({
            session,
            lineItems: data.lineItems,
            trialDays: session.mode === "subscription" ? data.sd.trial_period_days : null,
            email: form.email ?? session.customer_details?.email ?? session.customer_email ?? "",
            ...extra,
          }),
        );
      if (session.status !== "open") return sendHtml(res, 200, checkoutClosedPage(session));
      if (method === "GET") return render(200);
      if (method !== "POST") return sendHtml(res, 405, messagePage("Method not allowed", `${method} is not supported here.`));

      const action = form.action ?? "pay";
      if (action === "decline") {
        const { error } = state.declineCheckoutSession(session.id);
        return render(200, { error: `${error.message} Try again with the test card that succeeds.`, amount: form.amount });
      }
      if (action === "abandon") {
        const [, records] = state.track(() => state.expireCheckoutSession(session.id));
        await waitForEvents(records, url.searchParams);
        return session.cancel_url ? redirect(res, session.cancel_url) : sendHtml(res, 200, checkoutClosedPage(session));
      }
      const amount = parseMajorAmount(form.amount, session.currency);
      if (Number.isNaN(amount)) return render(200, { error: "Enter a valid amount.", amount: form.amount });
      let records;
      try {
        [, records] = state.track(() => state.completeCheckoutSession(session.id, { amount, email: form.email || undefined }));
      } catch (err) {
        if (err instanceof ApiError && err.status < 500) return render(200, { error: err.message, amount: form.amount });
        throw err;
      }
      await waitForEvents(records, url.searchParams);
      return session.success_url ? redirect(res, resolveSuccessUrl(session)) : sendHtml(res, 200, checkoutClosedPage(session));
    }

    if ((m = /^\/connect\/onboarding\/([^/]+)\/?$/.exec(path))) {
      const link = state.accountLinks.get(decodeURIComponent(m[1]));
      if (!link) return sendHtml(res, 404, messagePage("Link not found", "This onboarding link is invalid."));
      const stale = () =>
        link.refresh_url
          ? redirect(res, link.refresh_url)
          : sendHtml(
              res,
              410,
              messagePage("Link expired", "This onboarding link has already been used or has expired. Ask the platform for a new one."),
            );
      if (method === "GET") {
        // Account links are single-use: a second visit (or an expired link) goes to refresh_url.
        if (link.visited || link.expires_at < now()) return stale();
        link.visited = true;
        return sendHtml(res, 200, onboardingPage({ account: state.get(link.account), link }));
      }
      if (method !== "POST") return sendHtml(res, 405, messagePage("Method not allowed", `${method} is not supported here.`));
      if (link.used) return stale();
      link.used = true;
      if (form.action === "complete") {
        const [, records] = state.track(() => state.completeOnboarding(link.account));
        await waitForEvents(records, url.searchParams);
      }
      return link.return_url
        ? redirect(res, link.return_url)
        : sendHtml(
            res,
            200,
            messagePage("All set", form.action === "complete" ? "Onboarding complete." : "You can finish onboarding later."),
          );
    }

    if ((m = /^\/billing\/portal\/([^/]+)\/?$/.exec(path))) {
      const session = state.get(decodeURIComponent(m[1]));
      if (!session || session.object !== "billing_portal.session") {
        return sendHtml(res, 404, messagePage("Portal session not found", "This billing portal link is invalid."));
      }
      const customer = state.get(session.customer);
      if (method === "POST") {
        const sub = state.get(form.subscription);
        if (!sub || sub.object !== "subscription" || sub.customer !== session.customer) {
          return sendHtml(res, 404, messagePage("Subscription not found", "That subscription does not belong to this customer."));
        }
        let notice = "card";
        let records = [];
        if (form.action === "cancel" || form.action === "resume") {
          [, records] = state.track(() =>
            state.updateSubscription(sub.id, { cancel_at_period_end: form.action === "cancel" ? "true" : "false" }),
          );
          notice = form.action === "cancel" ? "canceled" : "resumed";
        }
        await waitForEvents(records, url.searchParams);
        return redirect(res, `/billing/portal/${session.id}?notice=${notice}`);
      }
      const notices = {
        canceled: "Your subscription will be canceled at the end of the current period.",
        resumed: "Your subscription has been resumed.",
        card: "Your card has been updated.",
      };
      const subscriptions = state.all("subscription").filter((s) => s.customer === session.customer);
      return sendHtml(
        res,
        200,
        portalPage({
          session,
          customer: customer ?? { id: session.customer, email: null },
          subscriptions,
          productName: (id) => state.get(id)?.name ?? id,
          notice: notices[url.searchParams.get("notice")] ?? null,
        }),
      );
    }

    if ((m = /^\/invoices\/([^/]+)(\/pdf)?\/?$/.exec(path))) {
      const invoice = state.get(decodeURIComponent(m[1]));
      if (!invoice || invoice.object !== "invoice") return sendHtml(res, 404, messagePage("Invoice not found", "No such invoice."));
      return sendHtml(res, 200, invoicePage(invoice));
    }
    if ((m = /^\/receipts\/([^/]+)\/?$/.exec(path))) {
      const charge = state.get(decodeURIComponent(m[1]));
      if (!charge || charge.object !== "charge") return sendHtml(res, 404, messagePage("Receipt not found", "No such charge."));
      return sendHtml(res, 200, receiptPage(charge));
    }
    if ((m = /^\/connect\/dashboard\/([^/]+)\/?$/.exec(path))) {
      const account = state.get(decodeURIComponent(m[1]));
      if (!account || account.object !== "account") return sendHtml(res, 404, messagePage("Account not found", "No such account."));
      return sendHtml(res, 200, dashboardPage(account));
    }

    if (req.headers.accept?.includes("text/html")) {
      return sendHtml(res, 404, messagePage("Not found", `Nothing at ${path}.`));
    }
    throw new ApiError(404, `Unrecognized request URL (${method}: ${path}).`);
  }

  // ------------------------------------------------------------------ lifecycle

  // Keep idle connections open longer than any client keeps them pooled: Node's default (5 s) lets
  // the server close a kept-alive socket just as workerd sends the next request on it, which the
  // client sees as "Network connection lost" — a race that grows with load (parallel test files).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`;
  state.publicUrl = (options.publicUrl ?? url).replace(/\/+$/, "");

  const sweep = setInterval(() => {
    try {
      state.sweepExpired();
      saveNow();
    } catch (err) {
      log(`expiry sweep failed: ${err?.message ?? err}`);
    }
  }, 5000);
  sweep.unref();

  let closing = null;
  const close = () =>
    (closing ??= new Promise((resolve) => {
      clearInterval(sweep);
      // Save before the dispatcher drops its queue: what is still pending is delivered after a restart.
      if (stateFile) {
        dirty = true;
        saveNow();
      }
      dispatcher.close();
      server.close(() => resolve());
      server.closeAllConnections?.();
    }));

  return {
    url,
    port: actualPort,
    close,
    state,
    dispatcher,
    config,
    restored,
    stateFile,
    save: () => {
      dirty = true;
      saveNow();
    },
  };
}

// ------------------------------------------------------------------ CLI

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const envUrl = process.env.STRIPE_WEBHOOK_URL;
  const webhookUrl = envUrl === undefined ? DEFAULT_WEBHOOK_URL : envUrl === "" || envUrl === "none" ? null : envUrl;
  const emulator = await startEmulator({
    port: Number(process.env.STRIPE_EMULATOR_PORT ?? DEFAULT_PORT),
    host: process.env.STRIPE_EMULATOR_HOST ?? "127.0.0.1",
    webhookUrl,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET,
    publicUrl: process.env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
    deliveryWaitMs: process.env.STRIPE_EMULATOR_DELIVERY_WAIT_MS ? Number(process.env.STRIPE_EMULATOR_DELIVERY_WAIT_MS) : undefined,
    enabledEvents: process.env.STRIPE_EMULATOR_EVENTS ? process.env.STRIPE_EMULATOR_EVENTS.split(",").map((s) => s.trim()) : "*",
    verbose: process.env.STRIPE_EMULATOR_VERBOSE === "1",
    stateFile: process.env.STRIPE_EMULATOR_STATE_FILE || null,
  });
  console.log(
    `[stripe-emulator] listening on ${emulator.url} · webhooks → ${webhookUrl ?? "(recording only)"} · secret ${emulator.dispatcher.webhookSecret}`,
  );
  const shutdown = () => emulator.close().then(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
