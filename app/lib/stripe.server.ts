/**
 * The one Stripe client. Always the real `stripe` SDK (fetch HTTP client + SubtleCrypto so it runs in
 * workerd). With a STRIPE_SECRET_KEY secret it talks to Stripe; without one (local dev, tests, demos)
 * it talks to the local Stripe emulator at STRIPE_API_PROTOCOL://STRIPE_API_HOST:STRIPE_API_PORT.
 * In production a missing key is a configuration error, never a silent fallback.
 */
import Stripe from "stripe";
import { AppError } from "./errors";

/** A test-mode-looking key the emulator accepts. Not a secret. */
export const EMULATOR_SECRET_KEY = "sk_test_allthrive_local_emulator";
/** The emulator's default signing secret (tools/stripe-emulator). Not a secret. */
export const EMULATOR_WEBHOOK_SECRET = "whsec_allthrive_local_emulator";

declare global {
  interface Env {
    /** Secret (wrangler secret put). Absent locally → emulator. */
    STRIPE_SECRET_KEY?: string;
    /** Signing secret of the platform webhook endpoint. */
    STRIPE_WEBHOOK_SECRET?: string;
    /** Signing secret of the Connect webhook endpoint (account.updated), if it is a separate endpoint. */
    STRIPE_CONNECT_WEBHOOK_SECRET?: string;
  }
}

export const usesEmulator = (env: Env) => !env.STRIPE_SECRET_KEY;

function paymentsNotConfigured(): AppError {
  return new AppError(503, "Payments aren't set up on this server yet. Please try again later.");
}

const clients = new WeakMap<Env, Stripe>();

export function getStripe(env: Env): Stripe {
  let client = clients.get(env);
  if (client) return client;
  const common = { httpClient: Stripe.createFetchHttpClient(), maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: "All Thrive" } };
  if (env.STRIPE_SECRET_KEY) {
    client = new Stripe(env.STRIPE_SECRET_KEY, common);
  } else {
    if (env.APP_ENV === "production") throw paymentsNotConfigured();
    client = new Stripe(EMULATOR_SECRET_KEY, {
      ...common,
      host: env.STRIPE_API_HOST || "127.0.0.1",
      port: Number(env.STRIPE_API_PORT || 12111),
      protocol: (env.STRIPE_API_PROTOCOL === "https" ? "https" : "http") as "http",
    });
  }
  clients.set(env, client);
  return client;
}

/** Signing secrets to try, in order (platform endpoint, then Connect endpoint). */
export function webhookSecrets(env: Env): string[] {
  const list = [env.STRIPE_WEBHOOK_SECRET, env.STRIPE_CONNECT_WEBHOOK_SECRET].filter((s): s is string => !!s);
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
