/**
 * Pluggable email transport, chosen by the EMAIL_TRANSPORT var:
 *  - "local" (default; `npm start`, tests): the message is stored in D1 (`dev_mailbox`) and shown at
 *    /dev/mailbox (development only). Keyed by the idempotency key, so it is stored at most once.
 *  - "http": JSON POST to EMAIL_API_URL with `Authorization: Bearer EMAIL_API_KEY` and an
 *    `Idempotency-Key` header — the shape Resend's /emails and similar APIs accept:
 *      { from, to: [..], subject, html, text, headers, attachments?: [{ filename, content (base64), content_type }] }
 *    5xx/429/network errors throw (the queue retries); other 4xx are permanent and reported as such.
 */
import { getDb } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { devMailbox, type EmailAttachment } from "./schema";

export type OutgoingEmail = {
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  idempotencyKey: string;
  /** Text files sent with the message (a booking's .ics); none when absent. */
  attachments?: EmailAttachment[];
};

export type SendResult = { ok: true; id: string } | { ok: false; permanent: true; reason: string };

type EmailVars = { EMAIL_TRANSPORT?: string; EMAIL_FROM?: string; EMAIL_API_URL?: string; EMAIL_API_KEY?: string };
const vars = (env: Env) => env as unknown as EmailVars;

export const emailFrom = (env: Env) => vars(env).EMAIL_FROM || "All Thrive <updates@allthrive.local>";

export async function sendEmail(env: Env, msg: OutgoingEmail): Promise<SendResult> {
  // A deleted account's address is `deleted-…@deleted.invalid` (D68): a receipt or membership mail
  // still queued for it when it was deleted goes nowhere. `.invalid` never delivers (RFC 2606).
  if (/\.invalid$/i.test(msg.to)) return { ok: false, permanent: true, reason: "The account was deleted." };
  const transport = vars(env).EMAIL_TRANSPORT || "local";
  if (transport === "http") return sendHttp(env, msg);
  await getDb(env)
    .insert(devMailbox)
    .values({
      id: msg.idempotencyKey,
      to: msg.to,
      from: emailFrom(env),
      subject: msg.subject,
      html: msg.html,
      text: msg.text,
      headers: msg.headers,
      attachments: msg.attachments ?? [],
      createdAt: nowSeconds(),
    })
    .onConflictDoNothing();
  return { ok: true, id: msg.idempotencyKey };
}

async function sendHttp(env: Env, msg: OutgoingEmail): Promise<SendResult> {
  const { EMAIL_API_URL, EMAIL_API_KEY } = vars(env);
  if (!EMAIL_API_URL || !EMAIL_API_KEY) throw new Error("EMAIL_TRANSPORT=http needs EMAIL_API_URL and EMAIL_API_KEY.");
  const res = await fetch(EMAIL_API_URL, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${EMAIL_API_KEY}`, "Idempotency-Key": msg.idempotencyKey },
    body: JSON.stringify({
      from: emailFrom(env),
      to: [msg.to],
      subject: msg.subject,
      html: msg.html,
      text: msg.text,
      headers: msg.headers,
      // Resend's shape: base64 content with its type; the .ics arrives as an attachment calendars open.
      ...(msg.attachments?.length
        ? {
            attachments: msg.attachments.map((a) => ({
              filename: a.filename,
              content: base64Utf8(a.content),
              content_type: a.contentType,
            })),
          }
        : {}),
    }),
  });
  if (res.ok) {
    const body = (await res.json().catch(() => ({}))) as { id?: string; MessageID?: string };
    return { ok: true, id: String(body.id ?? body.MessageID ?? "") };
  }
  if (res.status === 429 || res.status >= 500) throw new Error(`Email provider answered ${res.status}; will retry.`);
  return { ok: false, permanent: true, reason: `Email provider refused the message (${res.status}).` };
}

function base64Utf8(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}
