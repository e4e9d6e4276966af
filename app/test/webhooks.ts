/** Creators' webhooks test helpers: read what the local receiver (webhook-receiver.global.ts) got, and verify it. */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";

export const receiverPort = () => (env as unknown as { WEBHOOK_RECEIVER_PORT: string }).WEBHOOK_RECEIVER_PORT;
/** An endpoint URL on the receiver: `mode` "ok" answers 200, a status answers that, "redirect" a 302. */
export const hook = (name: string, mode = "ok") => `http://127.0.0.1:${receiverPort()}/hook/${name}/${mode}`;
export type Captured = { path: string; headers: Record<string, string>; body: string };

/** Every request the receiver got for `name`, in arrival order. */
export async function captured(name: string): Promise<Captured[]> {
  const res = await fetch(`http://127.0.0.1:${receiverPort()}/_captured?name=${name}`);
  return ((await res.json()) as { requests: Captured[] }).requests;
}

/** Waits (up to ~9 s) until the receiver got at least `n` requests for `name`. */
export async function waitForRequests(name: string, n = 1): Promise<Captured[]> {
  for (let i = 0; i < 300; i++) {
    const r = await captured(name);
    if (r.length >= n) return r;
    await new Promise((res) => setTimeout(res, 30));
  }
  throw new Error(`receiver ${name} got fewer than ${n} requests`);
}

/** The payload of a captured delivery, verified with the reference Standard Webhooks library (throws if not signed by `secret`). */
export const verify = (secret: string, c: Captured) =>
  new Webhook(secret).verify(c.body, {
    "webhook-id": c.headers["webhook-id"],
    "webhook-timestamp": c.headers["webhook-timestamp"],
    "webhook-signature": c.headers["webhook-signature"],
  });
