/**
 * Email templates: one function per kind renders BOTH the HTML and the plain-text part from the
 * same data, inside a shared layout whose footer always carries the unsubscribe link.
 */
import type { EmailAttachment } from "./schema";

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export type Rendered = { subject: string; html: string; text: string; attachments?: EmailAttachment[] };

/**
 * The one layout every email uses: brand (and the creator's name when the email is about one),
 * the body, and a footer that says why it was sent. Marketing-like mail (new posts, creator
 * messages) carries an unsubscribe link; receipts and account notices carry only the reason and
 * a link to the email preferences.
 */
export function layout(opts: {
  preheader: string;
  bodyHtml: string;
  bodyText: string;
  unsubscribeUrl?: string | null;
  unsubscribeLabel?: string;
  settingsUrl: string;
  reason: string;
  creatorName?: string | null;
}): { html: string; text: string } {
  const brand = opts.creatorName
    ? `All Thrive <span style="font-weight:400;color:#64748b">· ${esc(opts.creatorName)}</span>`
    : "All Thrive";
  const unsubLabel = opts.unsubscribeLabel ?? "Unsubscribe from these emails";
  const links = [
    opts.unsubscribeUrl ? `<a href="${esc(opts.unsubscribeUrl)}" style="color:#64748b">${esc(unsubLabel)}</a>` : null,
    `<a href="${esc(opts.settingsUrl)}" style="color:#64748b">Email preferences</a>`,
  ].filter(Boolean);
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="margin:0;background:#f8fafc;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#0f172a">
<span style="display:none;max-height:0;overflow:hidden">${esc(opts.preheader)}</span>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border:1px solid #e2e8f0;border-radius:16px">
<tr><td style="padding:24px 28px 8px;font-weight:700;font-size:18px;color:#5a2ee0">${brand}</td></tr>
<tr><td style="padding:8px 28px 24px;font-size:16px;line-height:1.6">${opts.bodyHtml}</td></tr>
<tr><td style="padding:16px 28px 24px;border-top:1px solid #e2e8f0;font-size:12px;color:#64748b;line-height:1.5">
${esc(opts.reason)}<br>${links.join(" · ")}
</td></tr></table></td></tr></table></body></html>`;
  const text = `${opts.creatorName ? `All Thrive · ${opts.creatorName}` : "All Thrive"}\n\n${opts.bodyText}\n\n—\n${opts.reason}\n${
    opts.unsubscribeUrl ? `${unsubLabel}: ${opts.unsubscribeUrl}\n` : ""
  }Email preferences: ${opts.settingsUrl}\n`;
  return { html, text };
}

export type NewPostEmailData = {
  creatorName: string;
  creatorHandle: string;
  title: string;
  postUrl: string;
  coverUrl: string | null;
  /** Full body HTML when the recipient may read it all. */
  bodyHtml: string | null;
  /** Free preview HTML when locked (may be null when there is no preview). */
  previewHtml: string | null;
  teaser: string;
  locked: boolean;
  /** e.g. "Subscribe to read" — shown when locked. */
  ctaLabel: string;
  /** Plain text of what the recipient may read (full or preview). */
  plainText: string;
  unsubscribeUrl: string;
  settingsUrl: string;
};

export function newPostEmail(d: NewPostEmailData): Rendered {
  const subject = `${d.creatorName}: ${d.title}`;
  const cover = d.coverUrl
    ? `<img src="${esc(d.coverUrl)}" alt="" width="544" style="width:100%;max-width:544px;border-radius:12px;margin:0 0 16px">`
    : "";
  const content = d.locked ? (d.previewHtml ?? (d.teaser ? `<p>${esc(d.teaser)}</p>` : "")) : (d.bodyHtml ?? "");
  const lock = d.locked
    ? `<div style="margin:20px 0;padding:16px;border-radius:12px;background:#f3f1ff;color:#3d2196"><strong>The rest of this post is for ${esc(d.ctaLabel.toLowerCase().includes("buy") ? "buyers" : "members")}.</strong><br><a href="${esc(d.postUrl)}" style="display:inline-block;margin-top:10px;background:#6a3df5;color:#fff;padding:10px 16px;border-radius:8px;text-decoration:none;font-weight:600">${esc(d.ctaLabel)}</a></div>`
    : `<p><a href="${esc(d.postUrl)}" style="color:#5a2ee0">Read it on All Thrive</a></p>`;
  const bodyHtml = `<p style="margin:0 0 4px;color:#64748b;font-size:14px">New post from ${esc(d.creatorName)} (@${esc(d.creatorHandle)})</p>
<h1 style="margin:0 0 16px;font-size:24px;line-height:1.3"><a href="${esc(d.postUrl)}" style="color:#0f172a;text-decoration:none">${esc(d.title)}</a></h1>${cover}${content}${lock}`;
  const bodyText = `New post from ${d.creatorName} (@${d.creatorHandle})\n\n${d.title}\n${"=".repeat(Math.min(d.title.length, 60))}\n\n${d.plainText}\n\n${d.locked ? `${d.ctaLabel}: ${d.postUrl}` : `Read it on All Thrive: ${d.postUrl}`}`;
  return {
    subject,
    ...layout({
      preheader: d.teaser || d.title,
      bodyHtml,
      bodyText,
      unsubscribeUrl: d.unsubscribeUrl,
      settingsUrl: d.settingsUrl,
      reason: `You get this because you follow ${d.creatorName} on All Thrive.`,
    }),
  };
}

// ── Account emails (D61): transactional, so no unsubscribe link — they go out whatever the
// person's new-post preference, and only when they (or someone typing their address) asked.

function accountLayout(opts: { preheader: string; bodyHtml: string; bodyText: string }): { html: string; text: string } {
  const reason = "You get this email because of a request on your All Thrive account.";
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="margin:0;background:#f8fafc;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#0f172a">
<span style="display:none;max-height:0;overflow:hidden">${esc(opts.preheader)}</span>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border:1px solid #e2e8f0;border-radius:16px">
<tr><td style="padding:24px 28px 8px;font-weight:700;font-size:18px;color:#5a2ee0">All Thrive</td></tr>
<tr><td style="padding:8px 28px 24px;font-size:16px;line-height:1.6">${opts.bodyHtml}</td></tr>
<tr><td style="padding:16px 28px 24px;border-top:1px solid #e2e8f0;font-size:12px;color:#64748b;line-height:1.5">${esc(reason)}</td></tr>
</table></td></tr></table></body></html>`;
  const text = `${opts.bodyText}\n\n—\n${reason}\n`;
  return { html, text };
}

const button = (url: string, label: string) =>
  `<p style="margin:20px 0"><a href="${esc(url)}" style="display:inline-block;background:#6a3df5;color:#fff;padding:12px 18px;border-radius:8px;text-decoration:none;font-weight:600">${esc(label)}</a></p>
<p style="margin:0 0 12px;font-size:13px;color:#64748b">Or paste this link into your browser:<br><span style="word-break:break-all">${esc(url)}</span></p>`;

function accountEmail(subject: string, lead: string, url: string, label: string, after: string): Rendered {
  return {
    subject,
    ...accountLayout({
      preheader: lead,
      bodyHtml: `<h1 style="margin:0 0 12px;font-size:22px">${esc(subject)}</h1><p>${esc(lead)}</p>${button(url, label)}<p style="color:#475569;font-size:14px">${esc(after)}</p>`,
      bodyText: `${subject}\n\n${lead}\n\n${label}: ${url}\n\n${after}`,
    }),
  };
}

export function passwordResetEmail(d: { resetUrl: string }): Rendered {
  return accountEmail(
    "Reset your All Thrive password",
    "Someone (hopefully you) asked to reset the password of the All Thrive account for this address.",
    d.resetUrl,
    "Choose a new password",
    "The link works once and expires in 1 hour. If you didn't ask for it, ignore this email: your password stays as it is.",
  );
}

export function verifyEmailEmail(d: { verifyUrl: string }): Rendered {
  return accountEmail(
    "Confirm your email address",
    "Welcome to All Thrive! Confirm this address to open a storefront, sell and write posts.",
    d.verifyUrl,
    "Confirm my email",
    "The link works once and expires in 24 hours. If you didn't create an account, ignore this email.",
  );
}

export function confirmEmailChangeEmail(d: { confirmUrl: string; newEmail: string }): Rendered {
  return accountEmail(
    "Confirm your new email address",
    `Confirm ${d.newEmail} as the new address of your All Thrive account.`,
    d.confirmUrl,
    "Use this address",
    "The link works once and expires in 24 hours. Until you confirm, your account keeps its current address.",
  );
}

export function emailChangedNoticeEmail(d: { undoUrl: string; newEmail: string }): Rendered {
  return accountEmail(
    "Your All Thrive email address was changed",
    `The email address of your All Thrive account was changed to ${d.newEmail}. If that was you, there is nothing to do.`,
    d.undoUrl,
    "This wasn't me — undo it",
    "Undoing restores this address and signs every device out; then reset your password from the sign-in page. The link works for 7 days.",
  );
}
/** The last mail to someone who deleted their account: what happened and what stays (D68). */
export function accountDeletedEmail(d: { signUpUrl: string; boughtSomething: boolean; wasCreator: boolean }): Rendered {
  const kept = [
    "Your profile, sessions, follows and notifications are gone and your memberships won't renew.",
    d.wasCreator ? "Your tiers stopped renewing and your members were told; payouts already owed keep settling to your bank." : "",
    d.boughtSomething
      ? "Orders stay in our accounting records (amounts only, no personal details), as tax law requires."
      : "We keep no personal details about you.",
  ]
    .filter(Boolean)
    .join(" ");
  return accountEmail(
    "Your All Thrive account was deleted",
    `As you asked, your All Thrive account was deleted. ${kept}`,
    d.signUpUrl,
    "Start again with a new account",
    "If you didn't delete your account, reply to this email straight away.",
  );
}

export type CreatorLeavingEmailData = {
  creatorName: string;
  tierName: string;
  /** "5 January 2027", or null when the membership was free (it simply ends). */
  accessUntil: string | null;
  libraryUrl: string;
  unsubscribeUrl: string;
  settingsUrl: string;
};

/** To a member of a creator who deleted their account: no further charges, access until period end. */
export function creatorLeavingEmail(d: CreatorLeavingEmailData): Rendered {
  const until = d.accessUntil
    ? `You won't be charged again. Your membership stays active until ${d.accessUntil}, then ends.`
    : "Your free membership has ended.";
  const bodyText = `${d.creatorName} has closed their All Thrive account, so "${d.tierName}" will not renew.\n\n${until}\n\nAnything you bought from ${d.creatorName} stays downloadable from your library: ${d.libraryUrl}`;
  const bodyHtml = `<p><strong>${esc(d.creatorName)}</strong> has closed their All Thrive account, so <strong>${esc(d.tierName)}</strong> will not renew.</p>
<p>${esc(until)}</p>
<p>Anything you bought from ${esc(d.creatorName)} stays downloadable from <a href="${esc(d.libraryUrl)}" style="color:#5a2ee0">your library</a>.</p>`;
  return {
    subject: `${d.creatorName}'s membership won't renew`,
    ...layout({
      preheader: until,
      bodyHtml,
      bodyText,
      unsubscribeUrl: d.unsubscribeUrl,
      settingsUrl: d.settingsUrl,
      reason: `You're getting this because you were a member of ${d.creatorName} on All Thrive.`,
    }),
  };
}

/** The double opt-in of a guest's free-tier join or waitlist place (D125): nothing happens until this link is confirmed. */
export function guestTierConfirmEmail(d: {
  kind: "join" | "waitlist";
  tierName: string;
  creatorName: string;
  confirmUrl: string;
}): Rendered {
  const what = d.kind === "join" ? `join ${d.tierName} by ${d.creatorName}` : `join the waitlist of ${d.tierName} by ${d.creatorName}`;
  return accountEmail(
    d.kind === "join" ? `Confirm your membership of ${d.tierName}` : `Confirm your place on the ${d.tierName} waitlist`,
    `Someone (hopefully you) asked to ${what} on All Thrive with this address.`,
    d.confirmUrl,
    d.kind === "join" ? "Confirm and join" : "Confirm my place",
    "The link works once and expires in 24 hours. If you didn't ask for this, ignore this email: nothing happens without it.",
  );
}

/** A seat of a full tier opened up and is held for someone from its waitlist (D132). */
export function waitlistOfferEmail(d: { tierName: string; creatorName: string; until: string; claimUrl: string; paid: boolean }): Rendered {
  return accountEmail(
    `A seat in ${d.tierName} is yours to take`,
    `A seat opened up in ${d.tierName} by ${d.creatorName}, and it is held for you until ${d.until}.`,
    d.claimUrl,
    d.paid ? "Take my seat (continue to payment)" : "Take my seat",
    "The link works until the seat's hold ends. If you don't take it by then, it goes to the next person waiting.",
  );
}

/** A guest's free booking waits for this click (double opt-in, D131): nothing is booked without it. */
export function guestBookingConfirmEmail(d: { serviceTitle: string; creatorName: string; when: string; confirmUrl: string }): Rendered {
  return accountEmail(
    `Confirm your booking: ${d.serviceTitle}`,
    `Someone (hopefully you) asked to book ${d.serviceTitle} with ${d.creatorName} on ${d.when} on All Thrive with this address. The time is held for you for an hour.`,
    d.confirmUrl,
    "Confirm my booking",
    "The link works once and expires in an hour. If you didn't ask for this, ignore this email: nothing is booked without it.",
  );
}

/**
 * After a guest confirmed (D125): where the membership or waitlist place is. An account without a
 * password yet gets a link that sets one and opens the library; others are asked to sign in.
 */
export function guestTierWelcomeEmail(d: {
  kind: "member" | "waitlist";
  tierName: string;
  creatorName: string;
  position: number | null;
  url: string;
  setPassword: boolean;
}): Rendered {
  const lead =
    d.kind === "member"
      ? `You're a member of ${d.tierName} by ${d.creatorName}. Members-only posts are open to you in your library.`
      : `You're on the waitlist of ${d.tierName} by ${d.creatorName}${d.position ? ` (number ${d.position})` : ""}. When a seat opens it is held for you for 24 hours.`;
  return accountEmail(
    d.kind === "member" ? `Welcome to ${d.tierName}` : `You're on the ${d.tierName} waitlist`,
    lead,
    d.url,
    d.setPassword ? "Set a password and open your library" : "Sign in to your library",
    d.setPassword
      ? "The link works once and expires in 7 days. Afterwards, use “Forgot password” on the sign-in page."
      : "Sign in with this email address.",
  );
}
