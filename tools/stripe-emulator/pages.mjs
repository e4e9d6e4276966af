// Stand-in hosted pages (Checkout, Connect onboarding, billing portal, invoices, receipts).
// Plain server-rendered HTML forms with inline CSS, so they work without JavaScript and are easy
// to drive from Playwright by button text.

import { formatMoney } from "./resources.mjs";

export function escapeHtml(value) {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
const h = escapeHtml;

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1f36;background:#f6f8fa}
.banner{background:#ffde92;color:#6b4b00;text-align:center;font-size:13px;padding:6px;font-weight:600}
main{max-width:920px;margin:32px auto;padding:0 16px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:24px}
@media (max-width:720px){.grid{grid-template-columns:1fr}}
.card{background:#fff;border:1px solid #e3e8ee;border-radius:10px;padding:24px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 12px}
.muted{color:#697386;font-size:13px}
.total{font-size:30px;font-weight:700;margin:8px 0 16px}
table{width:100%;border-collapse:collapse}
td,th{padding:8px 0;border-bottom:1px solid #eef1f4;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
label{display:block;font-weight:600;font-size:13px;margin:14px 0 4px}
input{width:100%;padding:10px 12px;border:1px solid #cfd7df;border-radius:6px;font:inherit}
input[readonly]{background:#f6f8fa;color:#4f566b}
.row{display:flex;gap:10px;flex-wrap:wrap;margin-top:20px}
button,.button{appearance:none;border:1px solid #cfd7df;background:#fff;color:#1a1f36;border-radius:6px;padding:10px 16px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;display:inline-block}
button.primary,.button.primary{background:#635bff;border-color:#635bff;color:#fff;flex:1}
button.danger{color:#c0123c}
.row.secondary button{flex:1;padding:8px 10px;font-size:14px}
button:hover{filter:brightness(.97)}
.error{background:#fff0f3;border:1px solid #f7c6d1;color:#9b0e30;border-radius:6px;padding:10px 12px;margin:12px 0}
.notice{background:#eefaf3;border:1px solid #bfe8cf;color:#0b6b3a;border-radius:6px;padding:10px 12px;margin:12px 0}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:1px 8px;background:#eef1f4;color:#4f566b}
.badge.active,.badge.trialing,.badge.paid,.badge.complete{background:#d7f7e4;color:#0b6b3a}
.badge.past_due,.badge.open,.badge.unpaid{background:#fff1d6;color:#8a5a00}
.badge.canceled,.badge.expired,.badge.void{background:#fde2e7;color:#9b0e30}
.sub{border:1px solid #e3e8ee;border-radius:8px;padding:16px;margin:12px 0}
.hint{font-size:12px;color:#697386;margin-top:4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:12px 0}
dt{color:#697386}
dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px;word-break:break-all}
`;

function layout(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<style>${CSS}</style>
</head>
<body>
<div class="banner" role="note">Stripe emulator — test mode. No real money moves.</div>
<main>
${body}
</main>
</body>
</html>`;
}

function date(ts) {
  return ts ? new Date(ts * 1000).toISOString().slice(0, 10) : "—";
}

function priceLabel(price) {
  const amount = price.custom_unit_amount ? "Pay what you want" : formatMoney(price.unit_amount, price.currency);
  if (!price.recurring) return amount;
  const { interval, interval_count: n } = price.recurring;
  return n === 1 ? `${amount} / ${interval}` : `${amount} every ${n} ${interval}s`;
}

/** The hosted Checkout page. */
export function checkoutPage({ session, lineItems, trialDays, error, email, amount }) {
  const custom = lineItems.find((li) => li.price.custom_unit_amount);
  const rows = lineItems
    .map(
      (li) => `<tr><td>${h(li.description ?? li.price.id)}<div class="muted">${h(priceLabel(li.price))}</div></td>
<td class="num">× ${h(li.quantity)}</td><td class="num">${custom === li ? "" : h(formatMoney(li.amount_total, li.currency))}</td></tr>`,
    )
    .join("\n");
  const heading = session.mode === "subscription" ? "Subscribe" : "Pay";
  const trialNote = trialDays ? `<p class="muted">${h(trialDays)}-day free trial — nothing is charged today.</p>` : "";
  let amountField = "";
  if (custom) {
    const { minimum, maximum, preset } = custom.price.custom_unit_amount;
    const limits = [
      minimum !== null ? `Minimum ${formatMoney(minimum, session.currency)}` : null,
      maximum !== null ? `maximum ${formatMoney(maximum, session.currency)}` : null,
    ].filter(Boolean);
    const value = amount ?? (preset !== null ? (preset / 100).toFixed(2) : "");
    amountField = `<label for="amount">Amount (${h(session.currency.toUpperCase())})</label>
<input id="amount" name="amount" inputmode="decimal" autocomplete="off" value="${h(value)}" placeholder="0.00">
${limits.length ? `<div class="hint">${h(limits.join(", "))}</div>` : ""}`;
  }
  const total = custom ? "Amount of your choice" : formatMoney(session.amount_total, session.currency);
  return layout(
    `Checkout — ${heading}`,
    `<div class="grid">
<section class="card" aria-labelledby="summary-heading">
  <p class="muted">All Thrive</p>
  <h1 id="summary-heading">${h(heading)}</h1>
  <div class="total" data-testid="amount-total">${h(total)}</div>
  ${trialNote}
  ${
    session.total_details?.amount_discount
      ? `<p class="muted" data-testid="amount-discount">Discount −${h(formatMoney(session.total_details.amount_discount, session.currency))} (was ${h(formatMoney(session.amount_subtotal, session.currency))})</p>`
      : ""
  }
  <table aria-label="Line items">
    <thead><tr><th>Item</th><th class="num">Qty</th><th class="num">Amount</th></tr></thead>
    <tbody>
${rows}
    </tbody>
  </table>
  <p class="muted">Session <code>${h(session.id)}</code></p>
</section>
<section class="card" aria-labelledby="payment-heading">
  <h2 id="payment-heading">Payment details</h2>
  ${error ? `<div class="error" role="alert">${h(error)}</div>` : ""}
  <form method="post" action="/checkout/pay/${h(session.id)}">
    ${amountField}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" value="${h(email ?? "")}">
    <label for="card">Card number</label>
    <input id="card" value="4242 4242 4242 4242" readonly aria-readonly="true">
    <div class="hint">Test card. "Pay" succeeds, "Decline card" simulates a decline.</div>
    <div class="row">
      <button type="submit" class="primary" name="action" value="pay">Pay</button>
    </div>
    <div class="row secondary">
      <button type="submit" name="action" value="decline" formnovalidate>Decline card</button>
      <button type="submit" class="danger" name="action" value="abandon" formnovalidate>Abandon</button>
    </div>
  </form>
</section>
</div>`,
  );
}

/** Shown for a session that is no longer open (or after paying without a success_url). */
export function checkoutClosedPage(session) {
  if (session.status === "complete") {
    return layout(
      "Payment complete",
      `<section class="card"><h1>Payment complete</h1>
<p><span class="badge complete">${h(session.payment_status)}</span> Checkout session <code>${h(session.id)}</code> is complete.</p>
${session.success_url ? `<p><a class="button primary" href="${h(resolveSuccessUrl(session))}">Continue</a></p>` : ""}</section>`,
    );
  }
  return layout(
    "Checkout session expired",
    `<section class="card"><h1>This checkout session has expired</h1>
<p><span class="badge expired">expired</span> Checkout session <code>${h(session.id)}</code> can no longer be paid.</p>
${session.cancel_url ? `<p><a class="button" href="${h(session.cancel_url)}">Return to merchant</a></p>` : ""}</section>`,
  );
}

export function resolveSuccessUrl(session) {
  return (session.success_url ?? "").replaceAll("{CHECKOUT_SESSION_ID}", session.id);
}

/** Connect onboarding (Express-style) for an account link. */
export function onboardingPage({ account, link }) {
  return layout(
    "Set up payouts — Stripe Connect",
    `<section class="card" style="max-width:560px;margin:auto">
<p class="muted">Stripe Connect · ${h(link.type === "account_update" ? "Update account" : "Onboarding")}</p>
<h1>Set up payouts with All Thrive</h1>
<p>Confirm the details below to start accepting payments. In the emulator, no information is collected.</p>
<dl>
  <dt>Account</dt><dd>${h(account.id)}</dd>
  <dt>Type</dt><dd>${h(account.type)}</dd>
  <dt>Email</dt><dd>${h(account.email ?? "—")}</dd>
  <dt>Country</dt><dd>${h(account.country)}</dd>
  <dt>Charges enabled</dt><dd>${account.charges_enabled ? "yes" : "no"}</dd>
  <dt>Payouts enabled</dt><dd>${account.payouts_enabled ? "yes" : "no"}</dd>
</dl>
<form method="post" action="/connect/onboarding/${h(link.token)}">
  <div class="row">
    <button type="submit" class="primary" name="action" value="complete">Complete onboarding</button>
    <button type="submit" name="action" value="later">Leave for later</button>
  </div>
</form>
</section>`,
  );
}

export function messagePage(title, text, link) {
  return layout(
    title,
    `<section class="card" style="max-width:560px;margin:auto"><h1>${h(title)}</h1><p>${h(text)}</p>
${link ? `<p><a class="button" href="${h(link.href)}">${h(link.label)}</a></p>` : ""}</section>`,
  );
}

/** Customer billing portal: subscriptions with cancel / resume / update-card actions. */
export function portalPage({ session, customer, subscriptions, productName, notice }) {
  const cards = subscriptions.length
    ? subscriptions
        .map((sub) => {
          const names = sub.items.data.map((i) => productName(i.price.product)).join(", ");
          const prices = sub.items.data.map((i) => priceLabel(i.price)).join(" + ");
          const ending =
            sub.status === "canceled"
              ? `Ended ${date(sub.ended_at)}`
              : sub.cancel_at_period_end || sub.cancel_at
                ? `Cancels on ${date(sub.cancel_at ?? sub.current_period_end)}`
                : `Renews on ${date(sub.current_period_end)}`;
          const actions =
            sub.status === "canceled"
              ? ""
              : `<form method="post" action="/billing/portal/${h(session.id)}" class="row">
  <input type="hidden" name="subscription" value="${h(sub.id)}">
  ${
    sub.cancel_at_period_end || sub.cancel_at
      ? '<button type="submit" class="primary" name="action" value="resume">Resume</button>'
      : '<button type="submit" class="danger" name="action" value="cancel">Cancel at period end</button>'
  }
  <button type="submit" name="action" value="update_card">Update card</button>
</form>`;
          return `<article class="sub" data-subscription="${h(sub.id)}">
  <h2>${h(names)} <span class="badge ${h(sub.status)}">${h(sub.status)}</span></h2>
  <div>${h(prices)}</div>
  <div class="muted">${h(ending)} · ${h(sub.id)}</div>
  ${actions}
</article>`;
        })
        .join("\n")
    : '<p class="muted">No subscriptions.</p>';
  return layout(
    "Billing portal",
    `<section class="card" style="max-width:680px;margin:auto">
<p class="muted">All Thrive · Billing</p>
<h1>Manage your subscriptions</h1>
<p class="muted">${h(customer.email ?? customer.id)} · Visa •••• 4242</p>
${notice ? `<div class="notice" role="status">${h(notice)}</div>` : ""}
${cards}
${session.return_url ? `<p><a class="button" href="${h(session.return_url)}">Return</a></p>` : ""}
</section>`,
  );
}

export function invoicePage(invoice) {
  const rows = invoice.lines.data
    .map(
      (l) =>
        `<tr><td>${h(l.description)}<div class="muted">${date(l.period.start)} – ${date(l.period.end)}</div></td><td class="num">${h(formatMoney(l.amount, l.currency))}</td></tr>`,
    )
    .join("\n");
  return layout(
    `Invoice ${invoice.number}`,
    `<section class="card" style="max-width:680px;margin:auto">
<p class="muted">All Thrive</p>
<h1>Invoice ${h(invoice.number)} <span class="badge ${h(invoice.status)}">${h(invoice.status)}</span></h1>
<p class="muted">${h(invoice.customer_email ?? "")} · ${date(invoice.created)}</p>
<table><tbody>${rows}</tbody></table>
<div class="total">${h(formatMoney(invoice.total, invoice.currency))}</div>
</section>`,
  );
}

export function receiptPage(charge) {
  return layout(
    "Receipt",
    `<section class="card" style="max-width:560px;margin:auto">
<p class="muted">All Thrive</p>
<h1>Receipt</h1>
<div class="total">${h(formatMoney(charge.amount, charge.currency))}</div>
<dl>
  <dt>Charge</dt><dd>${h(charge.id)}</dd>
  <dt>Date</dt><dd>${date(charge.created)}</dd>
  <dt>Card</dt><dd>Visa •••• 4242</dd>
  <dt>Refunded</dt><dd>${h(formatMoney(charge.amount_refunded, charge.currency))}</dd>
</dl>
</section>`,
  );
}

export function dashboardPage(account) {
  return layout(
    "Express dashboard",
    `<section class="card" style="max-width:560px;margin:auto">
<p class="muted">Stripe Express (emulated)</p>
<h1>${h(account.business_profile?.name ?? account.email ?? account.id)}</h1>
<dl>
  <dt>Account</dt><dd>${h(account.id)}</dd>
  <dt>Charges enabled</dt><dd>${account.charges_enabled ? "yes" : "no"}</dd>
  <dt>Payouts enabled</dt><dd>${account.payouts_enabled ? "yes" : "no"}</dd>
</dl>
</section>`,
  );
}
