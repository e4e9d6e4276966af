/**
 * New-post emails (EMAIL_QUEUE consumer), preferences and one-click unsubscribe.
 *
 * Exactly-once per (post, recipient): the key `post:<postId>:<userId>` is claimed in `email_sends`
 * before sending. A retried message finds the claim: "sent"/"skipped" → nothing happens; "sending"
 * (the previous attempt died mid-send) → the same key is sent again, and the transport dedupes on
 * it (the local mailbox's primary key; the HTTP provider's Idempotency-Key header).
 */
import { publicUrl } from "~/lib/public-url";
import { and, eq, inArray } from "drizzle-orm";
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { badRequest } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import { users } from "~/modules/identity/schema";
import { decider, hasActiveSubscription, type Need } from "~/modules/content/entitlements.server";
import { findPostsByIds } from "~/modules/posts/queries.server";
import { gateOf, presentPost } from "~/modules/posts/present.server";
import { splitPaywall, withoutMarker } from "~/modules/posts/paywall";
import { CreatorLeavingEmailMessage, PostEmailMessage } from "~/modules/feed/messages";
import { EMAIL_MODES, emailPreferences, emailSends, type EmailMode } from "./schema";
import { AccountEmailMessage } from "./messages";
import { newPostEmail, creatorLeavingEmail } from "./templates.server";
import { sendEmail } from "./transport.server";
import { unsubscribeUrl, verifyFeedbackDigestUnsubscribeToken, verifyUnsubscribeToken } from "./tokens.server";
import { membersToTell } from "./queries.server";

export const CTA_LABELS: Record<Need, string> = {
  sign_in: "Sign in to read",
  follow: "Follow to read",
  subscribe: "Subscribe to read",
  buy: "Buy to read",
};

export async function processPostEmails(env: Env, raw: unknown): Promise<{ sent: number; skipped: number; duplicates: number }> {
  const msg = v.parse(PostEmailMessage, raw);
  const db = getDb(env);
  const [row] = await findPostsByIds(env, [msg.postId]);
  if (!row || row.post.status !== "published") return { sent: 0, skipped: 0, duplicates: msg.userIds.length };
  const { post, creator } = row;
  const recipients = await db
    .select({ id: users.id, email: users.email, mode: emailPreferences.mode })
    .from(users)
    .leftJoin(emailPreferences, eq(emailPreferences.userId, users.id))
    .where(inArray(users.id, msg.userIds));
  let sent = 0,
    skipped = 0,
    duplicates = 0;
  for (const r of recipients) {
    const key = `post:${post.id}:${r.id}`;
    const claimed = await db
      .insert(emailSends)
      .values({ key, userId: r.id, kind: "new_post", status: "sending", createdAt: nowSeconds() })
      .onConflictDoNothing()
      .returning({ key: emailSends.key });
    if (!claimed.length) {
      const prior = await db.query.emailSends.findFirst({ where: eq(emailSends.key, key), columns: { status: true } });
      if (prior?.status !== "sending") {
        duplicates++;
        continue;
      }
    }
    const mode: EmailMode = r.mode ?? "all";
    const wanted = mode === "all" || (mode === "subscribed" && (await hasActiveSubscription(env, r.id, creator.userId)));
    if (!wanted || r.id === creator.userId) {
      await db.update(emailSends).set({ status: "skipped" }).where(eq(emailSends.key, key));
      skipped++;
      continue;
    }
    // Gating: the email carries exactly what this recipient may read.
    const decision = (await decider(env, r.id, [gateOf(post)]))(gateOf(post));
    const view = presentPost(post, creator, decision);
    const split = splitPaywall(post.bodyMarkdown);
    const rendered = newPostEmail({
      creatorName: creator.displayName,
      creatorHandle: creator.handle,
      title: post.title,
      postUrl: publicUrl(env, view.url),
      coverUrl: view.coverUrl ? publicUrl(env, view.coverUrl) : null,
      bodyHtml: view.bodyHtml,
      previewHtml: view.previewHtml,
      teaser: view.teaser,
      locked: view.locked,
      ctaLabel: view.need ? CTA_LABELS[view.need] : "Read",
      plainText: decision.allowed ? withoutMarker(post.bodyMarkdown) : split.hasMarker ? split.preview : view.teaser,
      unsubscribeUrl: await unsubscribeUrl(env, r.id),
      settingsUrl: publicUrl(env, "/settings/email"),
    });
    const unsub = await unsubscribeUrl(env, r.id);
    const result = await sendEmail(env, {
      to: r.email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: { "List-Unsubscribe": `<${unsub}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      idempotencyKey: key,
    });
    await db
      .update(emailSends)
      .set(result.ok ? { status: "sent", providerId: result.id, sentAt: nowSeconds() } : { status: "skipped" })
      .where(and(eq(emailSends.key, key)));
    if (result.ok) sent++;
    else skipped++;
  }
  return { sent, skipped, duplicates };
}

// ── Account emails (D61) ────────────────────────────────────────────────────────────────────────

/**
 * The email queue's consumer for new-post batches, account emails and the notice to members of a
 * creator who left (transactional and tier-message emails are dispatched in workers/queues.ts).
 */
export async function processEmailMessage(env: Env, raw: unknown) {
  const type = (raw as { type?: unknown } | null)?.type;
  if (type === "account_email") return processAccountEmail(env, raw);
  if (type === "creator_leaving") return processCreatorLeaving(env, raw);
  return processPostEmails(env, raw);
}

/** Queues an account email (sent by the EMAIL_QUEUE consumer, at most once per key). */
export async function enqueueAccountEmail(env: Env, msg: Omit<AccountEmailMessage, "type">): Promise<void> {
  await env.EMAIL_QUEUE.send({ type: "account_email", ...msg } satisfies AccountEmailMessage);
}

/** Claim-then-send, like new-post emails: a redelivered message never sends twice. */
export async function processAccountEmail(env: Env, raw: unknown): Promise<"sent" | "duplicate" | "dropped"> {
  const msg = v.parse(AccountEmailMessage, raw);
  if (!msg.to) return "dropped";
  const db = getDb(env);
  const claimed = await db
    .insert(emailSends)
    .values({ key: msg.key, userId: msg.userId, kind: msg.kind, status: "sending", createdAt: nowSeconds() })
    .onConflictDoNothing()
    .returning({ key: emailSends.key });
  if (!claimed.length) {
    const prior = await db.query.emailSends.findFirst({ where: eq(emailSends.key, msg.key), columns: { status: true } });
    if (prior?.status !== "sending") return "duplicate";
  }
  const result = await sendEmail(env, {
    to: msg.to,
    subject: msg.subject,
    html: msg.html,
    text: msg.text,
    headers: {},
    idempotencyKey: msg.key,
  });
  await db
    .update(emailSends)
    .set(result.ok ? { status: "sent", providerId: result.id, sentAt: nowSeconds() } : { status: "skipped" })
    .where(eq(emailSends.key, msg.key));
  return result.ok ? "sent" : "dropped";
}

/**
 * Members of a creator who deleted their account learn their membership won't renew. Sent even to
 * people who turned new-post emails off (it is about their money); once per membership.
 */
export async function processCreatorLeaving(env: Env, raw: unknown) {
  const msg = v.parse(CreatorLeavingEmailMessage, raw);
  const db = getDb(env);
  let sent = 0;
  for (const r of await membersToTell(env, msg.membershipIds)) {
    const key = `creator_leaving:${r.membershipId}`;
    const claimed = await db
      .insert(emailSends)
      .values({ key, userId: r.userId, kind: "creator_leaving", status: "sending", createdAt: nowSeconds() })
      .onConflictDoNothing()
      .returning({ key: emailSends.key });
    if (!claimed.length) {
      const prior = await db.query.emailSends.findFirst({ where: eq(emailSends.key, key), columns: { status: true } });
      if (prior?.status !== "sending") continue;
    }
    const unsub = await unsubscribeUrl(env, r.userId);
    const rendered = creatorLeavingEmail({
      creatorName: msg.creatorName,
      tierName: r.tierName,
      accessUntil:
        r.periodEnd && r.paid
          ? new Date(r.periodEnd * 1000).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" })
          : null,
      libraryUrl: publicUrl(env, "/library"),
      unsubscribeUrl: unsub,
      settingsUrl: publicUrl(env, "/settings/email"),
    });
    const result = await sendEmail(env, {
      to: r.email,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: { "List-Unsubscribe": `<${unsub}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      idempotencyKey: key,
    });
    await db
      .update(emailSends)
      .set(result.ok ? { status: "sent", providerId: result.id, sentAt: nowSeconds() } : { status: "skipped" })
      .where(eq(emailSends.key, key));
    if (result.ok) sent++;
  }
  return { sent };
}

// ── Preferences ─────────────────────────────────────────────────────────────────────────────────

export async function getEmailMode(env: Env, userId: string): Promise<EmailMode> {
  const row = await getDb(env).query.emailPreferences.findFirst({ where: eq(emailPreferences.userId, userId) });
  return row?.mode ?? "all";
}

const ModeInput = v.object({ mode: v.picklist(EMAIL_MODES, "Choose which emails you want.") });

export async function setEmailMode(env: Env, userId: string, input: unknown) {
  const { mode } = parseOrThrow(ModeInput, input);
  await getDb(env)
    .insert(emailPreferences)
    .values({ userId, mode, updatedAt: nowSeconds() })
    .onConflictDoUpdate({ target: emailPreferences.userId, set: { mode, updatedAt: nowSeconds() } });
  return { mode };
}

/** Whether a creator gets "new member" / "member canceled" emails (no row = yes). */
export async function getMemberAlerts(env: Env, userId: string): Promise<boolean> {
  const row = await getDb(env).query.emailPreferences.findFirst({ where: eq(emailPreferences.userId, userId) });
  return row?.memberAlerts ?? true;
}

const MemberAlertsInput = v.object({ memberAlerts: v.picklist(["on", "off"], "Choose whether you want member alerts.") });

export async function setMemberAlerts(env: Env, userId: string, input: unknown) {
  const on = parseOrThrow(MemberAlertsInput, input).memberAlerts === "on";
  await getDb(env)
    .insert(emailPreferences)
    .values({ userId, mode: "all", memberAlerts: on, updatedAt: nowSeconds() })
    .onConflictDoUpdate({ target: emailPreferences.userId, set: { memberAlerts: on, updatedAt: nowSeconds() } });
  return { memberAlerts: on };
}

/** Whether a maker gets the daily digest of new feedback on their apps (no row = yes; decision 120). */
export async function getFeedbackDigest(env: Env, userId: string): Promise<boolean> {
  const row = await getDb(env).query.emailPreferences.findFirst({ where: eq(emailPreferences.userId, userId) });
  return row?.feedbackDigest ?? true;
}

const FeedbackDigestInput = v.object({ feedbackDigest: v.picklist(["on", "off"], "Choose whether you want the feedback digest.") });

export async function setFeedbackDigest(env: Env, userId: string, input: unknown) {
  const on = parseOrThrow(FeedbackDigestInput, input).feedbackDigest === "on";
  await getDb(env)
    .insert(emailPreferences)
    .values({ userId, mode: "all", feedbackDigest: on, updatedAt: nowSeconds() })
    .onConflictDoUpdate({ target: emailPreferences.userId, set: { feedbackDigest: on, updatedAt: nowSeconds() } });
  return { feedbackDigest: on };
}

/** The digest's own unsubscribe link: turns off the feedback digest only. */
export async function unsubscribeFromFeedbackDigest(env: Env, userId: string, token: string, apply: boolean) {
  if (!(await verifyFeedbackDigestUnsubscribeToken(env, userId, token)))
    throw badRequest("This unsubscribe link is not valid. Open the link from the email again, or change your preferences in Settings.");
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { email: true } });
  if (!user) throw badRequest("This unsubscribe link is not valid.");
  if (apply) await setFeedbackDigest(env, userId, { feedbackDigest: "off" });
  return { email: apply ? user.email : user.email.replace(/^(.).*(@.*)$/, "$1…$2"), creatorName: null, what: "feedback digests" as const };
}

/** One-click unsubscribe: a valid signed token turns all post emails off for that user. */
export async function unsubscribeWithToken(env: Env, userId: string, token: string) {
  if (!(await verifyUnsubscribeToken(env, userId, token)))
    throw badRequest("This unsubscribe link is not valid. Open the link from the email again, or change your preferences in Settings.");
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { id: true, email: true } });
  if (!user) throw badRequest("This unsubscribe link is not valid.");
  await setEmailMode(env, userId, { mode: "none" });
  return { email: user.email };
}

/** Checks a token without changing anything (the GET confirmation page). */
export async function checkUnsubscribeToken(env: Env, userId: string, token: string) {
  if (!(await verifyUnsubscribeToken(env, userId, token)))
    throw badRequest("This unsubscribe link is not valid. Open the link from the email again, or change your preferences in Settings.");
  const user = await getDb(env).query.users.findFirst({ where: eq(users.id, userId), columns: { email: true } });
  if (!user) throw badRequest("This unsubscribe link is not valid.");
  return { email: user.email.replace(/^(.).*(@.*)$/, "$1…$2") };
}

// ── Dev mailbox ─────────────────────────────────────────────────────────────────────────────────
export { listMailbox, getMailboxMessage } from "./queries.server";
