/** Test helpers for payments: drive the local Stripe emulator and deliver its webhooks. */
import { env } from "cloudflare:workers";
import { signStripePayload } from "~/lib/stripe.server";
import { expect, vi } from "vitest";
import { app } from "./http";

export const emulatorUrl = () => `http://127.0.0.1:${env.STRIPE_API_PORT}`;

export async function emulator<T = Record<string, unknown>>(
  path: string,
  body?: unknown,
  method = body === undefined ? "GET" : "POST",
): Promise<T> {
  const res = await fetch(emulatorUrl() + path, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`emulator ${method} ${path} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export type Recorded = {
  event: { id: string; type: string; created: number; data: { object: Record<string, unknown> } };
  payload: string;
  signature: string;
};

/** Events recorded by the emulator whose payload mentions any of `needles` (user, account or Stripe ids). */
export async function eventsMatching(...needles: string[]): Promise<Recorded[]> {
  const { events } = await emulator<{ events: Recorded[] }>("/_emulator/events");
  return events.filter((e) => needles.some((n) => n && e.payload.includes(n)));
}

/** Posts one recorded event (signed) to the Worker's webhook endpoint. */
export async function post(rec: Recorded, signature?: string) {
  return app("/webhooks/stripe", {
    method: "POST",
    body: rec.payload,
    headers: { "Content-Type": "application/json", "Stripe-Signature": signature ?? (await signStripePayload(env, rec.payload)) },
  });
}

/** Posts recorded events in exactly this order (duplicates included) and waits until all are applied. */
export async function postAll(list: Recorded[]) {
  for (const e of list) {
    const res = await post(e);
    if (res.status !== 200) throw new Error(`webhook ${e.event.type} → ${res.status}: ${await res.text()}`);
  }
  await settle([...new Set(list.map((e) => e.event.id))]);
}

const delivered = new Set<string>();

/** Delivers the not-yet-delivered events mentioning `needles`, in order, and waits until applied. */
export async function deliver(...needles: string[]) {
  const fresh = (await eventsMatching(...needles)).filter((e) => !delivered.has(e.event.id));
  for (const e of fresh) {
    const res = await post(e);
    if (res.status !== 200) throw new Error(`webhook ${e.event.type} → ${res.status}: ${await res.text()}`);
    delivered.add(e.event.id);
  }
  await settle(fresh.map((e) => e.event.id));
  return fresh;
}

/** Waits until the queue consumer has applied these events (processed/ignored/dead). */
export async function settle(eventIds: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await pendingEvents(eventIds);
    if (!pending.length) return;
    if (Date.now() > deadline) throw new Error(`events not applied in time: ${pending.join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pendingEvents(ids: string[]) {
  if (!ids.length) return [];
  const rows = await env.DB.prepare(`SELECT id FROM stripe_events WHERE status='queued' AND id IN (${ids.map(() => "?").join(",")})`)
    .bind(...ids)
    .all<{ id: string }>();
  return rows.results.map((r) => r.id);
}

/** Opens the emulator's hosted checkout page action for a session (pay / decline / abandon). */
export async function payCheckout(url: string, fields: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", body: new URLSearchParams({ action: "pay", ...fields }), redirect: "manual" });
  return res;
}

export const sessionIdFrom = (checkoutUrl: string) => checkoutUrl.split("/checkout/pay/")[1];

/** What the emulator's fault injection can do (tools/stripe-emulator, `POST /_emulator/faults`). */
export type FaultKind = "resource_missing" | "account_invalid" | "rate_limit" | "server_error" | "network" | "timeout";

/**
 * Runs `fn` while the emulator fails every request to `path` (a prefix; `method` if given) whose body
 * or path mentions `match` (so parallel tests don't collide). `timeout`: Stripe does the work but
 * answers only after the app's SDK timeout (STRIPE_TIMEOUT_MS), every try. Asserts the failure was
 * logged once, with Stripe's request id when Stripe answered at all.
 */
export async function withStripeFault<T>(
  path: string,
  match: string,
  kind: FaultKind,
  fn: () => Promise<T>,
  opts: { method?: string; logged?: number } = {},
) {
  await emulator("/_emulator/faults", {
    path,
    match,
    kind,
    ...(opts.method ? { method: opts.method } : {}),
    ...(kind === "timeout" ? { delayMs: 20_000 } : {}),
  });
  const logged = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    const out = await fn();
    const lines = logged.mock.calls.map((c) => String(c[0]).slice(0, 300));
    expect(lines, lines.join("\n")).toHaveLength(opts.logged ?? 1);
    if ((opts.logged ?? 1) > 0)
      expect(String(logged.mock.calls[0][0])).toMatch(
        kind === "network" || kind === "timeout" ? /StripeConnectionError/ : /\[request req_\w+\]/,
      );
    return out;
  } finally {
    logged.mockReset();
    await emulator(`/_emulator/faults?match=${encodeURIComponent(match)}`, undefined, "DELETE");
  }
}
