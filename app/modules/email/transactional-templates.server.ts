/**
 * Transactional email templates (receipts, membership notices, creator alerts, creator messages).
 * Pure functions of their data: each renders the HTML and the plain-text part from the same values
 * inside the shared `layout`. Amounts arrive as integer minor units + currency and are formatted
 * only here, with `formatMoney`. No template ever receives a download URL: buyers get links to
 * their library pages, which check who is signed in.
 */
import { formatMoney } from "~/lib/money";
import { esc, layout, type Rendered } from "./templates.server";

type Common = { settingsUrl: string };

const p = (s: string) => `<p style="margin:0 0 14px">${s}</p>`;
const button = (href: string, label: string) =>
  `<p style="margin:18px 0"><a href="${esc(href)}" style="display:inline-block;background:#6a3df5;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none;font-weight:600">${esc(label)}</a></p>`;
const h1 = (s: string) => `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3">${esc(s)}</h1>`;
const date = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

/**
 * Who sold and who took the payment. With Stripe Connect destination charges the platform's
 * account takes the payment: All Thrive is the merchant of record; the creator is the seller and
 * receives their share by transfer (docs/payments.md).
 */
export const merchantOfRecord = (creatorName: string) =>
  `Sold by ${creatorName} on All Thrive. All Thrive is the merchant of record for this payment (it is charged by All Thrive's Stripe platform account and ${creatorName}'s share is paid out to them).`;

type ReceiptLine = { label: string; amount: number };
/** A receipt table: its lines, a tax line (none is charged today), the total and the merchant of record. */
function receipt(d: { lines: ReceiptLine[]; currency: string; tax: number; reference: string; paidAt: number; creatorName: string }) {
  const total = d.lines.reduce((s, l) => s + l.amount, 0) + d.tax;
  const money = (n: number) => formatMoney(n, d.currency);
  const taxLabel = d.tax > 0 ? money(d.tax) : "No tax charged";
  const row = (l: string, v: string, strong = false) =>
    `<tr><td style="padding:6px 0;${strong ? "font-weight:700" : "color:#334155"}">${esc(l)}</td><td align="right" style="padding:6px 0;${strong ? "font-weight:700" : ""}">${esc(v)}</td></tr>`;
  const html = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:8px 0 16px;border-top:1px solid #e2e8f0;border-bottom:1px solid #e2e8f0;font-size:15px">
${d.lines.map((l) => row(l.label, money(l.amount))).join("")}${row("Tax", taxLabel)}${row("Total paid", money(total), true)}</table>
<p style="margin:0 0 6px;font-size:13px;color:#64748b">Receipt ${esc(d.reference)} · paid ${esc(date(d.paidAt))}</p>
<p style="margin:0 0 14px;font-size:13px;color:#64748b">${esc(merchantOfRecord(d.creatorName))}</p>`;
  const text = [
    ...d.lines.map((l) => `${l.label}: ${money(l.amount)}`),
    `Tax: ${taxLabel}`,
    `Total paid: ${money(total)}`,
    `Receipt ${d.reference} · paid ${date(d.paidAt)}`,
    merchantOfRecord(d.creatorName),
  ].join("\n");
  return { html, text };
}

const BUYER_REASON = "You get this email because of a purchase or membership on your All Thrive account.";
const CREATOR_REASON = (name: string) => `You get this email because you sell as ${name} on All Thrive.`;

// ── Buyer ───────────────────────────────────────────────────────────────────────────────────────

export type PurchaseReceiptData = Common & {
  creatorName: string;
  productTitle: string;
  isCourse: boolean;
  currency: string;
  gross: number;
  reference: string;
  paidAt: number;
  libraryUrl: string;
  /** The course page in the library (authorised), for courses. */
  courseUrl: string | null;
  /** Bought as a guest, by an account with no password yet (D71): the link that sets one and opens the library. */
  setPasswordUrl?: string | null;
};

export function purchaseReceiptEmail(d: PurchaseReceiptData): Rendered {
  const r = receipt({
    lines: [{ label: d.productTitle, amount: d.gross }],
    currency: d.currency,
    tax: 0,
    reference: d.reference,
    paidAt: d.paidAt,
    creatorName: d.creatorName,
  });
  const access = d.setPasswordUrl
    ? `Set a password to open your library (the link works for 7 days): ${d.setPasswordUrl}`
    : d.courseUrl
      ? `Your course is ready: ${d.courseUrl}`
      : `Download your files from your library (sign in to download): ${d.libraryUrl}`;
  const bodyHtml = `${h1(`Thanks for buying ${d.productTitle}`)}${p(`From ${esc(d.creatorName)}.`)}${r.html}${
    d.setPasswordUrl
      ? `${p("We made you an All Thrive library for your purchases. Choose a password to open it (the link works for 7 days).")}${button(d.setPasswordUrl, "Set a password and open your library")}`
      : d.courseUrl
        ? button(d.courseUrl, "Start the course")
        : button(d.libraryUrl, "Open your library")
  }${p(`<span style="font-size:13px;color:#64748b">Your purchases are always in <a href="${esc(d.libraryUrl)}" style="color:#5a2ee0">your library</a>.</span>`)}`;
  return {
    subject: `Your receipt: ${d.productTitle} from ${d.creatorName}`,
    ...layout({
      preheader: `Receipt for ${d.productTitle}: ${formatMoney(d.gross, d.currency)}`,
      bodyHtml,
      bodyText: `Thanks for buying ${d.productTitle} from ${d.creatorName}.\n\n${r.text}\n\n${access}\nYour library: ${d.libraryUrl}`,
      settingsUrl: d.settingsUrl,
      reason: BUYER_REASON,
      creatorName: d.creatorName,
    }),
  };
}

export type MembershipPaymentData = Common & {
  kind: "started" | "renewed";
  creatorName: string;
  tierName: string;
  interval: string | null;
  currency: string;
  gross: number;
  reference: string;
  paidAt: number;
  periodEnd: number | null;
  libraryUrl: string;
  creatorUrl: string;
  /** Joined as a guest, by an account with no password yet (D77): the link that sets one and opens the library. */
  setPasswordUrl?: string | null;
};

export function membershipPaymentEmail(d: MembershipPaymentData): Rendered {
  const r = receipt({
    lines: [{ label: `${d.tierName} membership${d.interval ? ` (${d.interval}ly)` : ""}`, amount: d.gross }],
    currency: d.currency,
    tax: 0,
    reference: d.reference,
    paidAt: d.paidAt,
    creatorName: d.creatorName,
  });
  const title = d.kind === "started" ? `Welcome to ${d.tierName}` : `Your ${d.tierName} membership renewed`;
  const next = d.periodEnd ? `Paid through ${date(d.periodEnd)}.` : "";
  const bodyHtml = `${h1(title)}${p(
    d.kind === "started"
      ? `You're now a member of ${esc(d.creatorName)}'s ${esc(d.tierName)} tier. ${esc(next)}`
      : `Thanks for staying with ${esc(d.creatorName)}. ${esc(next)}`,
  )}${r.html}${
    d.setPasswordUrl
      ? `${p("We made you an All Thrive library for your memberships. Choose a password to open it (the link works for 7 days).")}${button(d.setPasswordUrl, "Set a password and open your library")}`
      : button(d.creatorUrl, `Visit ${d.creatorName}`)
  }${p(
    `<span style="font-size:13px;color:#64748b">Manage or cancel your membership in <a href="${esc(d.libraryUrl)}" style="color:#5a2ee0">your library</a>.</span>`,
  )}`;
  return {
    subject: d.kind === "started" ? `You're a member: ${d.tierName} (${d.creatorName})` : `Receipt: ${d.tierName} membership renewed`,
    ...layout({
      preheader: `${title}: ${formatMoney(d.gross, d.currency)}`,
      bodyHtml,
      bodyText: `${title}\n\n${next}\n\n${r.text}\n\n${
        d.setPasswordUrl ? `Set a password to open your library (the link works for 7 days): ${d.setPasswordUrl}\n` : ""
      }Visit ${d.creatorName}: ${d.creatorUrl}\nManage your membership: ${d.libraryUrl}`,
      settingsUrl: d.settingsUrl,
      reason: BUYER_REASON,
      creatorName: d.creatorName,
    }),
  };
}

export type PaymentFailedData = Common & {
  creatorName: string;
  tierName: string;
  currency: string;
  amountDue: number;
  /** The library page, whose "Manage billing" opens a Stripe billing portal session for this member. */
  updateUrl: string;
};

export function paymentFailedEmail(d: PaymentFailedData): Rendered {
  const amount = formatMoney(d.amountDue, d.currency);
  const bodyHtml = `${h1("Your membership payment didn't go through")}${p(
    `We couldn't charge ${esc(amount)} for your ${esc(d.tierName)} membership with ${esc(d.creatorName)}. Stripe will try again; to keep your access, update your card.`,
  )}${button(d.updateUrl, "Update your card")}`;
  return {
    subject: `Payment failed: ${d.tierName} (${d.creatorName})`,
    ...layout({
      preheader: `We couldn't charge ${amount}`,
      bodyHtml,
      bodyText: `Your membership payment didn't go through.\n\nWe couldn't charge ${amount} for your ${d.tierName} membership with ${d.creatorName}. Stripe will try again; to keep your access, update your card (Manage billing): ${d.updateUrl}`,
      settingsUrl: d.settingsUrl,
      reason: BUYER_REASON,
      creatorName: d.creatorName,
    }),
  };
}

export type MembershipEndingData = Common & {
  kind: "canceled" | "ended";
  creatorName: string;
  tierName: string;
  /** canceled: the date access ends; ended: when it ended. */
  at: number | null;
  note: string | null;
  libraryUrl: string;
  tierUrl: string;
};

export function membershipEndingEmail(d: MembershipEndingData): Rendered {
  const title = d.kind === "canceled" ? `Your ${d.tierName} membership is canceled` : `Your ${d.tierName} membership has ended`;
  const lead =
    d.kind === "canceled"
      ? `You'll keep access${d.at ? ` until ${date(d.at)}` : " until the end of the period you paid for"}, and you won't be charged again.`
      : `Your membership of ${d.creatorName}'s ${d.tierName} tier has ended${d.at ? ` (${date(d.at)})` : ""}.`;
  const bodyHtml = `${h1(title)}${p(esc(lead))}${d.note ? p(esc(d.note)) : ""}${button(
    d.kind === "canceled" ? d.libraryUrl : d.tierUrl,
    d.kind === "canceled" ? "Changed your mind? Resume in your library" : "Join again",
  )}`;
  return {
    subject: `${title} (${d.creatorName})`,
    ...layout({
      preheader: lead,
      bodyHtml,
      bodyText: `${title}\n\n${lead}${d.note ? `\n\n${d.note}` : ""}\n\n${d.kind === "canceled" ? `Resume: ${d.libraryUrl}` : `Join again: ${d.tierUrl}`}`,
      settingsUrl: d.settingsUrl,
      reason: BUYER_REASON,
      creatorName: d.creatorName,
    }),
  };
}

export type RefundData = Common & {
  creatorName: string;
  itemTitle: string;
  currency: string;
  amount: number;
  /** What was paid, to say "full" or "partial". */
  paid: number;
  reference: string;
  libraryUrl: string;
};

export function refundEmail(d: RefundData): Rendered {
  const amount = formatMoney(d.amount, d.currency);
  const full = d.amount >= d.paid;
  const lead = `We refunded ${amount} of your ${formatMoney(d.paid, d.currency)} payment for ${d.itemTitle}${full ? "" : " (a partial refund)"}. It goes back to the card you paid with; banks usually take 5–10 days to show it.`;
  const bodyHtml = `${h1(`Refund issued: ${amount}`)}${p(esc(lead))}<p style="margin:0 0 14px;font-size:13px;color:#64748b">Refund ${esc(d.reference)}. ${esc(merchantOfRecord(d.creatorName))}</p>${button(d.libraryUrl, "Your library")}`;
  return {
    subject: `Refund issued: ${amount} for ${d.itemTitle}`,
    ...layout({
      preheader: lead,
      bodyHtml,
      bodyText: `Refund issued: ${amount}\n\n${lead}\n\nRefund ${d.reference}. ${merchantOfRecord(d.creatorName)}\nYour library: ${d.libraryUrl}`,
      settingsUrl: d.settingsUrl,
      reason: BUYER_REASON,
      creatorName: d.creatorName,
    }),
  };
}

// ── Creator ─────────────────────────────────────────────────────────────────────────────────────

export type NewSaleData = Common & {
  creatorName: string;
  productTitle: string;
  currency: string;
  gross: number;
  fee: number;
  net: number;
  dashboardUrl: string;
};

export function newSaleEmail(d: NewSaleData): Rendered {
  const m = (n: number) => formatMoney(n, d.currency);
  const rows: [string, string][] = [
    ["Sale", m(d.gross)],
    ["All Thrive fee (8%)", `−${m(d.fee)}`],
    ["You earn", m(d.net)],
  ];
  const bodyHtml = `${h1(`New sale: ${d.productTitle}`)}<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:8px 0 16px;font-size:15px">${rows
    .map(
      ([l, v], i) =>
        `<tr><td style="padding:6px 0;${i === 2 ? "font-weight:700" : ""}">${esc(l)}</td><td align="right" style="padding:6px 0;${i === 2 ? "font-weight:700" : ""}">${esc(v)}</td></tr>`,
    )
    .join("")}</table>${button(d.dashboardUrl, "See your earnings")}`;
  return {
    subject: `New sale: ${d.productTitle} (${m(d.gross)})`,
    ...layout({
      preheader: `You earn ${m(d.net)}`,
      bodyHtml,
      bodyText: `New sale: ${d.productTitle}\n\n${rows.map(([l, v]) => `${l}: ${v}`).join("\n")}\n\nSee your earnings: ${d.dashboardUrl}`,
      settingsUrl: d.settingsUrl,
      reason: CREATOR_REASON(d.creatorName),
      creatorName: d.creatorName,
    }),
  };
}

export type MemberAlertData = Common & {
  kind: "new" | "canceled";
  creatorName: string;
  tierName: string;
  memberName: string;
  dashboardUrl: string;
};

export function memberAlertEmail(d: MemberAlertData): Rendered {
  const title = d.kind === "new" ? `New member: ${d.memberName} joined ${d.tierName}` : `${d.memberName} canceled ${d.tierName}`;
  const bodyHtml = `${h1(title)}${button(d.dashboardUrl, "See your members")}`;
  return {
    subject: title,
    ...layout({
      preheader: title,
      bodyHtml,
      bodyText: `${title}\n\nSee your members: ${d.dashboardUrl}`,
      settingsUrl: d.settingsUrl,
      reason: `${CREATOR_REASON(d.creatorName)} Turn member alerts off in your email preferences.`,
      creatorName: d.creatorName,
    }),
  };
}

export type PayoutAttentionData = Common & {
  creatorName: string;
  due: string[];
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  payoutsUrl: string;
};

export function payoutAttentionEmail(d: PayoutAttentionData): Rendered {
  const problems = [
    ...(d.chargesEnabled ? [] : ["Payments are paused: buyers can't check out until this is fixed."]),
    ...(d.payoutsEnabled ? [] : ["Payouts are paused."]),
    ...(d.due.length ? [`Stripe needs: ${d.due.map((x) => x.replace(/[._]/g, " ")).join(", ")}.`] : []),
  ];
  const bodyHtml = `${h1("Your payout account needs attention")}${problems.map((x) => p(esc(x))).join("")}${button(d.payoutsUrl, "Fix it in Payouts")}`;
  return {
    subject: "Action needed: your payout account",
    ...layout({
      preheader: problems[0] ?? "Stripe needs more information.",
      bodyHtml,
      bodyText: `Your payout account needs attention.\n\n${problems.join("\n")}\n\nFix it: ${d.payoutsUrl}`,
      settingsUrl: d.settingsUrl,
      reason: CREATOR_REASON(d.creatorName),
      creatorName: d.creatorName,
    }),
  };
}

export type TierMessageData = Common & {
  creatorName: string;
  tierName: string;
  subject: string;
  /** Sanitised HTML rendered from the creator's Markdown. */
  bodyHtml: string;
  bodyText: string;
  unsubscribeUrl: string;
};

export function tierMessageEmail(d: TierMessageData): Rendered {
  return {
    subject: `${d.creatorName}: ${d.subject}`,
    ...layout({
      preheader: d.subject,
      bodyHtml: `<p style="margin:0 0 4px;color:#64748b;font-size:14px">A message to ${esc(d.tierName)} members from ${esc(d.creatorName)}</p>${h1(d.subject)}${d.bodyHtml}`,
      bodyText: `A message to ${d.tierName} members from ${d.creatorName}\n\n${d.subject}\n\n${d.bodyText}`,
      unsubscribeUrl: d.unsubscribeUrl,
      unsubscribeLabel: `Unsubscribe from ${d.creatorName}'s emails`,
      settingsUrl: d.settingsUrl,
      reason: `You get this because you are a member of ${d.creatorName}'s ${d.tierName} tier on All Thrive.`,
      creatorName: d.creatorName,
    }),
  };
}

export type WebhookDisabledData = Common & {
  creatorName: string;
  endpointUrl: string;
  failedFor: string;
  webhooksUrl: string;
};

/** A creator's webhook endpoint failed for ~3 days and was turned off (decision 0099). */
export function webhookDisabledEmail(d: WebhookDisabledData): Rendered {
  const line = `Every delivery to ${d.endpointUrl} failed for ${d.failedFor}, so we turned this endpoint off. New events are not sent to it until you turn it back on.`;
  const bodyHtml = `${h1("A webhook endpoint was turned off")}${p(esc(line))}${p("The delivery log shows what your server answered; once it works again, turn the endpoint back on and replay the events you missed.")}${button(d.webhooksUrl, "Open webhook settings")}`;
  return {
    subject: "Your webhook endpoint was turned off",
    ...layout({
      preheader: line,
      bodyHtml,
      bodyText: `A webhook endpoint was turned off.\n\n${line}\n\nSee the delivery log, fix it, turn it back on and replay what you missed: ${d.webhooksUrl}`,
      settingsUrl: d.settingsUrl,
      reason: CREATOR_REASON(d.creatorName),
      creatorName: d.creatorName,
    }),
  };
}

export type FeedbackDigestData = Common & {
  makerName: string;
  day: string;
  items: { appName: string; kind: string; title: string; url: string }[];
  more: boolean;
  unsubscribeUrl: string;
};

/** The maker's daily digest of new feedback (decision 120): one email listing the day's new items. */
export function feedbackDigestEmail(d: FeedbackDigestData): Rendered {
  const n = d.items.length;
  const title = `${n}${d.more ? "+" : ""} new feedback ${n === 1 && !d.more ? "item" : "items"} on your apps`;
  const list = d.items
    .map(
      (i) =>
        `<li style="margin:0 0 8px"><a href="${esc(i.url)}" style="color:#5a2ee0">${esc(i.title)}</a> <span style="color:#64748b">— ${esc(i.kind)} on ${esc(i.appName)}</span></li>`,
    )
    .join("");
  const bodyHtml = `${h1(title)}${p(`What people filed on ${esc(d.day)} (UTC):`)}<ul style="margin:0 0 14px;padding-left:20px">${list}</ul>${d.more ? p("…and more on your boards.") : ""}`;
  return {
    subject: title,
    ...layout({
      preheader: d.items[0]?.title ?? title,
      bodyHtml,
      bodyText: `${title}\n\nWhat people filed on ${d.day} (UTC):\n${d.items.map((i) => `- ${i.title} — ${i.kind} on ${i.appName}: ${i.url}`).join("\n")}${d.more ? "\n…and more on your boards." : ""}`,
      unsubscribeUrl: d.unsubscribeUrl,
      unsubscribeLabel: "Stop feedback digests",
      settingsUrl: d.settingsUrl,
      reason: `${CREATOR_REASON(d.makerName)} Feedback digests can be turned off in your email preferences.`,
      creatorName: d.makerName,
    }),
  };
}
