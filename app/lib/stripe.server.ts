/**
 * The one Stripe client. Always the real `stripe` SDK (fetch HTTP client + SubtleCrypto so it runs in
 * workerd). With a STRIPE_SECRET_KEY secret it talks to Stripe; without one (local dev, tests, demos)
 * it talks to the local Stripe emulator at STRIPE_API_PROTOCOL://STRIPE_API_HOST:STRIPE_API_PORT.
 * In production a missing key is a configuration error, never a silent fallback.
 */
import { secrets } from "./secrets";
import Stripe from "stripe";
import { AppError } from "./errors";

/** A test-mode-looking key the emulator accepts. Not a secret. */
export const EMULATOR_SECRET_KEY = "sk_test_allthrive_local_emulator";
/** The emulator's default signing secret (tools/stripe-emulator). Not a secret. */
export const EMULATOR_WEBHOOK_SECRET = "whsec_allthrive_local_emulator";

export const usesEmulator = (env: Env) => !secrets(env).STRIPE_SECRET_KEY;

function paymentsNotConfigured(): AppError {
  return new AppError(503, "Payments aren't set up on this server yet. Please try again later.");
}

/**
 * A failed Stripe call as the app's error type: a clear message and the right status (never a 500),
 * with Stripe's code and request id kept for logs and for callers that branch on the code.
 */
export class StripeFailure extends AppError {
  constructor(
    status: number,
    message: string,
    public readonly stripeType: string,
    public readonly code: string | undefined,
    public readonly requestId: string | undefined,
    public readonly stripeMessage: string,
    headers: Record<string, string> = {},
  ) {
    super(status, message, {}, headers);
    this.name = "StripeFailure";
  }

  /** What an operator needs (Stripe's own words, code and request id), for logs and dead letters. */
  get detail(): string {
    return `${this.stripeType}${this.code ? ` (${this.code})` : ""}: ${this.stripeMessage} [request ${this.requestId ?? "none"}]`;
  }
}

/** Stripe said the charge was already refunded (in its dashboard, or by an earlier try that timed out). */
export function alreadyRefunded(e: unknown): boolean {
  const err = e as { code?: string; stripeMessage?: string; message?: string } | null;
  return err?.code === "charge_already_refunded" || /already been refunded/i.test(String(err?.stripeMessage ?? err?.message ?? ""));
}

type StripeLikeError = {
  type?: string;
  code?: string;
  statusCode?: number;
  requestId?: string;
  message?: string;
  headers?: Record<string, string>;
};

/** Maps a Stripe SDK error to what a person should see. The one place Stripe errors are translated. */
export function fromStripeError(e: unknown): StripeFailure | null {
  if (!(e instanceof Stripe.errors.StripeError)) return null;
  const err = e as unknown as StripeLikeError;
  const type = err.type ?? "StripeError";
  const make = (status: number, message: string, headers: Record<string, string> = {}) =>
    new StripeFailure(status, message, type, err.code, err.requestId, err.message ?? "", headers);
  const tryLater = "Payments are having a problem right now. Try again in a moment.";
  switch (type) {
    case "StripeCardError":
      return make(402, err.message || "Your card was declined.");
    case "StripeRateLimitError":
      return make(503, "Payments are busy right now. Try again in a moment.", { "Retry-After": "5" });
    case "StripeConnectionError":
    case "StripeAPIError":
      return make(503, tryLater, { "Retry-After": "5" });
    case "StripeAuthenticationError":
      return make(503, "Payments aren't set up correctly on this server. Please try again later.");
    case "StripePermissionError":
      return make(409, "This creator can't take payments right now. Please try again later.");
    case "StripeIdempotencyError":
      return make(409, "That request is already being handled. Try again in a moment.");
    default:
      if (err.code === "rate_limit" || err.statusCode === 429)
        return make(503, "Payments are busy right now. Try again in a moment.", { "Retry-After": "5" });
      if (err.code === "resource_missing" || err.code === "account_invalid" || /destination|account/i.test(err.message ?? ""))
        return make(409, "This creator can't take payments right now. Please try again later.");
      if ((err.statusCode ?? 500) >= 500) return make(503, tryLater, { "Retry-After": "5" });
      return make(422, "We couldn't start this payment. Please try again later.");
  }
}

/** Wraps every API method so a Stripe failure becomes a StripeFailure, logged once with its request id. */
function withMappedErrors<T extends object>(target: T, path: string[] = []): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver);
      if (typeof prop !== "string" || prop === "webhooks" || prop.startsWith("_")) return value;
      if (typeof value === "function") {
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(t, args);
          if (!out || typeof (out as Promise<unknown>).then !== "function") return out;
          return (out as Promise<unknown>).catch((e: unknown) => {
            const mapped = fromStripeError(e);
            if (!mapped) throw e;
            console.error(`Stripe ${[...path, prop].join(".")} failed: ${mapped.detail}`);
            throw mapped;
          });
        };
      }
      if (value && typeof value === "object" && path.length < 2 && /^[a-z]/.test(prop))
        return withMappedErrors(value as object, [...path, prop]);
      return value;
    },
  });
}

/** One client per Stripe configuration, not per `env`: each request's `env` is a fresh object (D1 sessions). */
const clients = new Map<string, Stripe>();

export function getStripe(env: Env): Stripe {
  const host = env.STRIPE_API_HOST || "127.0.0.1";
  const port = Number(env.STRIPE_API_PORT || 12111);
  const protocol = (env.STRIPE_API_PROTOCOL === "https" ? "https" : "http") as "http";
  const { STRIPE_SECRET_KEY, STRIPE_TIMEOUT_MS } = secrets(env);
  const key = `${STRIPE_SECRET_KEY ? `key:${STRIPE_SECRET_KEY}` : `emulator:${protocol}://${host}:${port}`}|${STRIPE_TIMEOUT_MS ?? ""}`;
  let client = clients.get(key);
  if (client) return client;
  // A hung Stripe must not hang the page: at most two tries of 8 s each (STRIPE_TIMEOUT_MS), then a
  // clear 503. The retry of a POST carries the SDK's idempotency key, so Stripe never does it twice.
  const timeout = Number(STRIPE_TIMEOUT_MS) > 0 ? Number(STRIPE_TIMEOUT_MS) : 8_000;
  const common = { httpClient: Stripe.createFetchHttpClient(), maxNetworkRetries: 1, timeout, appInfo: { name: "All Thrive" } };
  if (STRIPE_SECRET_KEY) {
    client = new Stripe(STRIPE_SECRET_KEY, common);
  } else {
    if (env.APP_ENV === "production") throw paymentsNotConfigured();
    client = new Stripe(EMULATOR_SECRET_KEY, { ...common, host, port, protocol });
  }
  client = withMappedErrors(client);
  clients.set(key, client);
  return client;
}

/** Signing secrets to try, in order (platform endpoint, then Connect endpoint). */
export function webhookSecrets(env: Env): string[] {
  const list = [secrets(env).STRIPE_WEBHOOK_SECRET, secrets(env).STRIPE_CONNECT_WEBHOOK_SECRET].filter((s): s is string => !!s);
  if (list.length) return list;
  if (env.APP_ENV === "production") throw paymentsNotConfigured();
  return [EMULATOR_WEBHOOK_SECRET];
}

const crypto = Stripe.createSubtleCryptoProvider();

/** Verifies Stripe's signature over the raw body; returns the event or null when it doesn't verify. */
export async function verifyStripeEvent(env: Env, rawBody: string, signature: string | null): Promise<Stripe.Event | null> {
  if (!signature) return null;
  for (const secret of webhookSecrets(env)) {
    try {
      return await getStripe(env).webhooks.constructEventAsync(rawBody, signature, secret, undefined, crypto);
    } catch {
      // try the next secret
    }
  }
  return null;
}

/** For tests and the seed: signs a payload the way Stripe does. */
export async function signStripePayload(env: Env, payload: string): Promise<string> {
  return getStripe(env).webhooks.generateTestHeaderStringAsync({ payload, secret: webhookSecrets(env)[0] });
}

export type { Stripe };
