/**
 * Transactional emails through EMAIL_QUEUE. Producers (the Stripe event consumer, the members
 * actions) call `queueTxEmail` with a key naming the business event; the consumer claims that key
 * in `email_sends` before sending (D16), renders from the CURRENT rows (so whichever Stripe event
 * arrived first, the email says what is true now), and sends once. A redelivered message, a
 * webhook delivered three times, or two different events about one order all meet the claim.
 */
import { publicUrl } from "~/lib/public-url";
import * as v from "valibot";
import { badRequest, tooManyRequests } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import { renderMarkdown } from "~/lib/markdown.server";
import {
  addCreatorOptout,
  claimKey,
  claimState,
  creatorForEmail,
  creatorIdOfAccount,
  finishClaim,
  insertTierMessageWithinLimit,
  liveTierMemberIds,
  invoiceForEmail,
  membershipForEmail,
  optedOutOfCreator,
  orderForEmail,
  paymentForEmail,
  tierMessageForEmail,
  userEmail,
} from "./queries.server";
import { TierMessageEmail, TxEmailMessage, type TierMessageEmail as TierMessageEmailT, type TxKind } from "./messages";
import type { Rendered } from "./templates.server";
import {
  memberAlertEmail,
  membershipEndingEmail,
  membershipPaymentEmail,
  newSaleEmail,
  paymentFailedEmail,
  payoutAttentionEmail,
  purchaseReceiptEmail,
  refundEmail,
  tierMessageEmail,
  webhookDisabledEmail,
} from "./transactional-templates.server";
import { sendEmail } from "./transport.server";
import { renderBookingEmail } from "./booking-emails.server";
import { renderFeedbackDigest } from "./feedback-digest.server";
import { renderWaitlistOffer } from "./waitlist-offer.server";

export { GUEST_LINK_TTL_SECONDS, setPasswordLink } from "./set-password.server";
import { setPasswordLink } from "./set-password.server";
import { creatorUnsubscribeUrl, verifyCreatorUnsubscribeToken } from "./tokens.server";

type Ref = Record<string, string | number | boolean | null>;

/** Enqueues one transactional email; safe to call again for the same key (the consumer dedupes). */
export async function queueTxEmail(env: Env, kind: TxKind, key: string, ref: Ref): Promise<void> {
  const msg: TxEmailMessage = { type: "tx_email", kind, key, ref };
  await env.EMAIL_QUEUE.send(msg, { contentType: "json" });
}

const str = (x: unknown) => (typeof x === "string" ? x : x == null ? "" : String(x));
const num = (x: unknown) => (typeof x === "number" ? x : Number(x ?? 0));

type Outgoing = { to: string; userId: string | null; rendered: Rendered; headers?: Record<string, string> };

/** What to send for a message now, or null when there is nothing to send (skipped, recorded as such). */
async function render(env: Env, msg: TxEmailMessage): Promise<Outgoing | null> {
  const r = msg.ref;
  const settingsUrl = publicUrl(env, "/settings/email");
  switch (msg.kind) {
    case "booking_confirmed":
    case "booking_new":
    case "booking_refunded":
    case "booking_canceled":
    case "booking_reminder":
    case "booking_delivered":
      return renderBookingEmail(env, msg.kind, r);
    case "purchase_receipt":
    case "new_sale": {
      const o = await orderForEmail(env, str(r.sessionId));
      if (!o) throw new Error(`order of ${str(r.sessionId)} not recorded yet`); // retried: the order is written before this is queued
      if (msg.kind === "purchase_receipt") {
        return {
          to: o.buyerEmail,
          userId: o.order.buyerId,
          rendered: purchaseReceiptEmail({
            creatorName: o.creatorName,
            productTitle: o.productTitle,
            isCourse: o.productType === "course",
            currency: o.order.currency,
            gross: o.order.gross,
            reference: o.order.id,
            paidAt: o.order.createdAt,
            libraryUrl: publicUrl(env, "/library"),
            courseUrl: o.productType === "course" ? publicUrl(env, `/library/courses/${o.order.productId}`) : null,
            setPasswordUrl:
              o.order.guest && o.buyerGuestAt !== null
                ? publicUrl(env, `/reset-password/${await setPasswordLink(env, o.order.buyerId)}`)
                : null,
            settingsUrl,
          }),
        };
      }
      const c = await creatorForEmail(env, o.order.creatorId);
      if (!c) return null;
      return {
        to: c.email,
        userId: c.userId,
        rendered: newSaleEmail({
          creatorName: c.displayName,
          productTitle: o.productTitle,
          currency: o.order.currency,
          gross: o.order.gross,
          fee: o.order.fee,
          net: o.order.net,
          dashboardUrl: publicUrl(env, "/dashboard"),
          settingsUrl,
        }),
      };
    }
    case "membership_started":
    case "membership_renewed": {
      const inv = await invoiceForEmail(env, str(r.invoiceId));
      if (!inv) throw new Error(`invoice ${str(r.invoiceId)} not recorded yet`);
      const m = await membershipForEmail(env, { subscriptionId: inv.stripeSubscriptionId });
      if (!m) throw new Error(`membership ${inv.stripeSubscriptionId} not recorded yet`);
      return {
        to: m.memberEmail,
        userId: m.membership.userId,
        rendered: membershipPaymentEmail({
          kind: msg.kind === "membership_started" ? "started" : "renewed",
          creatorName: m.creatorName,
          tierName: m.tierName,
          interval: m.membership.interval,
          currency: inv.currency,
          gross: inv.gross,
          reference: inv.id,
          paidAt: inv.paidAt,
          periodEnd: m.membership.currentPeriodEnd,
          libraryUrl: publicUrl(env, "/library"),
          creatorUrl: publicUrl(env, `/@${m.creatorHandle}`),
          setPasswordUrl:
            msg.kind === "membership_started" && m.memberGuestAt !== null
              ? publicUrl(env, `/reset-password/${await setPasswordLink(env, m.membership.userId)}`)
              : null,
          settingsUrl,
        }),
      };
    }
    case "payment_failed": {
      const m = await membershipForEmail(env, { subscriptionId: str(r.subscriptionId) });
      if (!m) throw new Error(`membership ${str(r.subscriptionId)} not recorded yet`);
      return {
        to: m.memberEmail,
        userId: m.membership.userId,
        rendered: paymentFailedEmail({
          creatorName: m.creatorName,
          tierName: m.tierName,
          currency: str(r.currency) || m.membership.currency || "usd",
          amountDue: num(r.amountDue),
          updateUrl: publicUrl(env, "/library"),
          settingsUrl,
        }),
      };
    }
    case "membership_canceled":
    case "membership_ended": {
      const m = await membershipForEmail(
        env,
        r.membershipId ? { membershipId: str(r.membershipId) } : { subscriptionId: str(r.subscriptionId) },
      );
      if (!m) throw new Error(`membership ${str(r.subscriptionId ?? r.membershipId)} not recorded yet`);
      return {
        to: m.memberEmail,
        userId: m.membership.userId,
        rendered: membershipEndingEmail({
          kind: msg.kind === "membership_canceled" ? "canceled" : "ended",
          creatorName: m.creatorName,
          tierName: m.tierName,
          at: r.at == null ? m.membership.currentPeriodEnd : num(r.at),
          note: m.membership.note,
          libraryUrl: publicUrl(env, "/library"),
          tierUrl: publicUrl(env, `/tiers/${m.membership.tierId}`),
          settingsUrl,
        }),
      };
    }
    case "refund_issued": {
      const pay = await paymentForEmail(env, str(r.paymentIntentId));
      if (!pay?.buyerId) return null; // a payment we never recorded (not ours)
      const [to, c] = await Promise.all([userEmail(env, pay.buyerId), creatorForEmail(env, pay.creatorId)]);
      if (!to) return null;
      return {
        to,
        userId: pay.buyerId,
        rendered: refundEmail({
          creatorName: c?.displayName ?? "the creator",
          itemTitle: pay.title,
          currency: str(r.currency) || pay.currency,
          amount: num(r.amount),
          paid: pay.gross,
          reference: str(r.refundId),
          libraryUrl: publicUrl(env, "/library"),
          settingsUrl,
        }),
      };
    }
    case "new_member":
    case "member_canceled": {
      const m = await membershipForEmail(
        env,
        r.membershipId ? { membershipId: str(r.membershipId) } : { subscriptionId: str(r.subscriptionId) },
      );
      if (!m) throw new Error(`membership ${str(r.subscriptionId ?? r.membershipId)} not recorded yet`);
      const c = await creatorForEmail(env, m.membership.creatorId);
      if (!c || !c.memberAlerts) return null; // the creator turned member alerts off
      return {
        to: c.email,
        userId: c.userId,
        rendered: memberAlertEmail({
          kind: msg.kind === "new_member" ? "new" : "canceled",
          creatorName: c.displayName,
          tierName: m.tierName,
          memberName: m.memberEmail,
          dashboardUrl: publicUrl(env, `/dashboard/tiers/${m.membership.tierId}`),
          settingsUrl,
        }),
      };
    }
    case "payout_attention": {
      const creatorId = await creatorIdOfAccount(env, str(r.accountId));
      const c = creatorId ? await creatorForEmail(env, creatorId) : null;
      if (!c) return null;
      return {
        to: c.email,
        userId: c.userId,
        rendered: payoutAttentionEmail({
          creatorName: c.displayName,
          due: str(r.due).split(",").filter(Boolean),
          chargesEnabled: !!r.chargesEnabled,
          payoutsEnabled: !!r.payoutsEnabled,
          payoutsUrl: publicUrl(env, "/dashboard/payouts"),
          settingsUrl,
        }),
      };
    }
    case "feedback_digest":
      return renderFeedbackDigest(env, r);
    case "waitlist_offer":
      return renderWaitlistOffer(env, r);
    case "webhook_disabled": {
      const c = await creatorForEmail(env, str(r.creatorId));
      if (!c) return null;
      const hours = Math.max(1, Math.round(num(r.failedForSeconds) / 3600));
      return {
        to: c.email,
        userId: c.userId,
        rendered: webhookDisabledEmail({
          creatorName: c.displayName,
          endpointUrl: str(r.url),
          failedFor: hours >= 48 ? `${Math.round(hours / 24)} days` : `${hours} hour${hours === 1 ? "" : "s"}`,
          webhooksUrl: publicUrl(env, "/settings/webhooks"),
          settingsUrl,
        }),
      };
    }
  }
}

/** Claims `key` and sends what `produce` returns; exactly once per key (D16). */
async function sendOnce(env: Env, key: string, kind: string, produce: () => Promise<Outgoing | null>) {
  const prior = await claimState(env, key);
  if (prior === "sent" || prior === "skipped") return "duplicate" as const;
  const out = await produce();
  const claimed = await claimKey(env, key, out?.userId ?? null, kind);
  if (!claimed && (await claimState(env, key)) !== "sending") return "duplicate" as const;
  if (!out) {
    await finishClaim(env, key, { ok: false });
    return "skipped" as const;
  }
  const result = await sendEmail(env, {
    to: out.to,
    subject: out.rendered.subject,
    html: out.rendered.html,
    text: out.rendered.text,
    headers: out.headers ?? {},
    idempotencyKey: key,
    attachments: out.rendered.attachments,
  });
  await finishClaim(env, key, result);
  return result.ok ? ("sent" as const) : ("skipped" as const);
}

export async function processTxEmail(env: Env, raw: unknown) {
  const msg = v.parse(TxEmailMessage, raw);
  return sendOnce(env, msg.key, msg.kind, () => render(env, msg));
}

/** A creator's message to one page of a tier's members: once per (message, recipient); opted-out members are skipped. */
export async function processTierMessageEmails(env: Env, raw: unknown) {
  const msg = v.parse(TierMessageEmail, raw);
  const m = await tierMessageForEmail(env, msg.messageId);
  if (!m) return { sent: 0, skipped: 0 };
  const bodyHtml = renderMarkdown(m.message.bodyMarkdown);
  let sent = 0,
    skipped = 0;
  for (const userId of msg.userIds) {
    const outcome = await sendOnce(env, `tier-message:${m.message.id}:${userId}`, "tier_message", async () => {
      if (await optedOutOfCreator(env, userId, m.message.creatorId)) return null;
      const to = await userEmail(env, userId);
      if (!to) return null;
      const unsub = await creatorUnsubscribeUrl(env, userId, m.message.creatorId);
      return {
        to,
        userId,
        rendered: tierMessageEmail({
          creatorName: m.creatorName,
          tierName: m.tierName,
          subject: m.message.subject,
          bodyHtml,
          bodyText: m.message.bodyMarkdown,
          unsubscribeUrl: unsub,
          settingsUrl: publicUrl(env, "/settings/email"),
        }),
        headers: { "List-Unsubscribe": `<${unsub}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      };
    });
    if (outcome === "sent") sent++;
    else skipped++;
  }
  return { sent, skipped };
}

// ── Unsubscribing from one creator ──────────────────────────────────────────────────────────────

export async function checkCreatorUnsubscribe(env: Env, userId: string, creatorId: string, token: string) {
  if (!(await verifyCreatorUnsubscribeToken(env, userId, creatorId, token)))
    throw badRequest("This unsubscribe link is not valid. Open the link from the email again, or change your preferences in Settings.");
  const [email, c] = await Promise.all([userEmail(env, userId), creatorForEmail(env, creatorId)]);
  if (!email || !c) throw badRequest("This unsubscribe link is not valid.");
  return { email: email.replace(/^(.).*(@.*)$/, "$1…$2"), creatorName: c.displayName };
}

export async function unsubscribeFromCreator(env: Env, userId: string, creatorId: string, token: string) {
  const info = await checkCreatorUnsubscribe(env, userId, creatorId, token);
  await addCreatorOptout(env, userId, creatorId);
  return info;
}

// ── A creator's message to a tier's members ─────────────────────────────────────────────────────

export const TIER_MESSAGES_PER_DAY = 3;

const TierMessageInput = v.object({
  subject: v.pipe(
    v.string("Enter a subject."),
    v.trim(),
    v.minLength(1, "Enter a subject."),
    v.maxLength(150, "Keep the subject under 150 characters."),
  ),
  body: v.pipe(
    v.string("Write a message."),
    v.trim(),
    v.minLength(1, "Write a message."),
    v.maxLength(20_000, "Keep the message under 20,000 characters."),
  ),
});

/**
 * Records a message to every live member of a tier (the caller has checked the tier is the
 * creator's) and queues it in pages of 100 recipients. At most TIER_MESSAGES_PER_DAY per tier in
 * any 24 hours. Markdown is rendered and sanitised like posts when the emails are built.
 */
export async function sendTierMessage(env: Env, tier: { id: string; creatorId: string }, input: unknown) {
  const { subject, body } = parseOrThrow(TierMessageInput, input);
  const recipients = await liveTierMemberIds(env, tier.id);
  const t = nowSeconds();
  const id = newId();
  const ok = await insertTierMessageWithinLimit(
    env,
    { id, tierId: tier.id, creatorId: tier.creatorId, subject, bodyMarkdown: body, recipients: recipients.length, createdAt: t },
    t - 86_400,
    TIER_MESSAGES_PER_DAY,
  );
  if (!ok) throw tooManyRequests(`You can message this tier ${TIER_MESSAGES_PER_DAY} times a day. Try again tomorrow.`, 3600);
  for (let i = 0; i < recipients.length; i += 100) {
    const page: TierMessageEmailT = { type: "tier_message", messageId: id, userIds: recipients.slice(i, i + 100) };
    await env.EMAIL_QUEUE.send(page, { contentType: "json" });
  }
  return { id, recipients: recipients.length };
}
