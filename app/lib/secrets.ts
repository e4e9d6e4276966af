/**
 * The Worker's secrets (`wrangler secret put NAME`), typed in one place. They are optional (absent
 * locally: the Stripe emulator, the local mail transport and development defaults stand in), so
 * they are not bindings in wrangler.toml that `wrangler types` could list (decision 0058).
 */
export type Secrets = {
  /** Stripe API key. Absent → the local Stripe emulator (outside APP_ENV=production). */
  STRIPE_SECRET_KEY?: string;
  /** Signing secret of the platform webhook endpoint. */
  STRIPE_WEBHOOK_SECRET?: string;
  /** Signing secret of the Connect webhook endpoint (account.updated), if it is a separate endpoint. */
  STRIPE_CONNECT_WEBHOOK_SECRET?: string;
  /** Not secret: how long one try of a Stripe call may take, in ms (default 8000). Tests set a short one. */
  STRIPE_TIMEOUT_MS?: string;
  /** HMAC key (≥16 characters) behind anonymous visitor keys. */
  VISITOR_HASH_SECRET?: string;
  /** HMAC key (≥16 characters) of the affiliate click cookie `at_via`; falls back to EMAIL_SIGNING_SECRET. */
  AFFILIATE_SIGNING_SECRET?: string;
  /** HMAC key of email links (unsubscribe, private RSS). */
  EMAIL_SIGNING_SECRET?: string;
  /** The email provider (EMAIL_TRANSPORT=http). */
  EMAIL_API_URL?: string;
  EMAIL_API_KEY?: string;
};

/** The secrets configured for this Worker (each may be missing). */
export function secrets(env: Env): Secrets {
  return env as unknown as Secrets;
}
