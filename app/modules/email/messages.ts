import * as v from "valibot";

/**
 * An account email (D61: password reset, verification, email change), already rendered: the link
 * it carries exists nowhere else. `to: null` is the "no such account" path of a reset request: it
 * travels the same way and is dropped by the consumer, so both paths cost the same.
 */
export const AccountEmailMessage = v.object({
  type: v.literal("account_email"),
  /** Idempotency key (per link), claimed in `email_sends` before sending. */
  key: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  kind: v.pipe(v.string(), v.minLength(1), v.maxLength(40)),
  userId: v.nullable(v.string()),
  to: v.nullable(v.string()),
  subject: v.string(),
  html: v.string(),
  text: v.string(),
});
export type AccountEmailMessage = v.InferOutput<typeof AccountEmailMessage>;
