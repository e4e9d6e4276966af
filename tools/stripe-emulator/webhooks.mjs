// Event recording, signing and delivery. Every event is recorded; delivery to the configured
// webhook URL happens on a single serial queue (in emission order) with retries, so API
// responses never wait for the receiver.

import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";

/**
 * Stripe's webhook signature header: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`.
 * The whole secret string (including the `whsec_` prefix) is the HMAC key, as in Stripe's SDKs.
 * @param {string} payload the exact request body
 * @param {string} secret
 * @param {number} [timestamp] unix seconds, defaults to now
 */
export function signPayload(payload, secret, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref?.());

function postOnce(url, payload, signature, timeoutMs) {
  return new Promise((resolve) => {
    let target;
    try {
      target = new URL(url);
    } catch {
      resolve({ status: null, error: `invalid webhook URL: ${url}` });
      return;
    }
    const lib = target.protocol === "https:" ? https : http;
    const req = lib.request(
      target,
      {
        method: "POST",
        agent: false, // no keep-alive: nothing lingers after close()
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(payload),
          "Stripe-Signature": signature,
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Cache-Control": "no-cache",
          Accept: "*/*; q=0.5, application/xml",
          Connection: "close",
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8").slice(0, 500) }));
        res.on("error", (e) => resolve({ status: res.statusCode, error: e.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", (e) => resolve({ status: null, error: e.message }));
    req.end(payload);
  });
}

export class WebhookDispatcher {
  /**
   * @param {{webhookUrl?: string|null, webhookSecret: string, retryDelaysMs?: number[],
   *   timeoutMs?: number, enabledEvents?: string[]|'*', log?: (line: string) => void}} options
   */
  constructor(options) {
    this.webhookUrl = options.webhookUrl ?? null;
    this.webhookSecret = options.webhookSecret;
    // attempts = 1 + retryDelaysMs.length
    this.retryDelaysMs = options.retryDelaysMs ?? [100, 500];
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.enabledEvents = options.enabledEvents ?? "*";
    this.log = options.log ?? (() => {});
    /** @type {{event: object, payload: string, signature: string, deliveries: object[], settled: Promise<void>}[]} */
    this.records = [];
    this.byId = new Map();
    this.queue = [];
    this.running = false;
    this.generation = 0;
    this.closed = false;
    this.idleWaiters = [];
    /** the job being delivered right now (not in `queue` any more, not delivered yet) */
    this.current = null;
    /** called after every delivery attempt and new record, so the owner can persist */
    this.onChange = options.onChange ?? (() => {});
  }

  isEnabled(type) {
    return this.enabledEvents === "*" || this.enabledEvents.includes("*") || this.enabledEvents.includes(type);
  }

  /** Serializes, signs, records and (if configured) enqueues delivery of an event. */
  record(event) {
    const payload = JSON.stringify(event, null, 2);
    const signature = signPayload(payload, this.webhookSecret, event.created);
    const rec = { event, payload, signature, deliveries: [], settled: Promise.resolve() };
    this.records.push(rec);
    this.byId.set(event.id, rec);
    if (this.webhookUrl && this.isEnabled(event.type)) rec.settled = this.enqueue(rec, signature);
    this.onChange();
    return rec;
  }

  /** Redelivers a recorded event with a fresh signature (same event id: a duplicate on purpose). */
  resend(id) {
    const rec = this.byId.get(id);
    if (!rec) return null;
    if (!this.webhookUrl) return { rec, settled: Promise.resolve() };
    const settled = this.enqueue(rec, null);
    rec.settled = settled;
    return { rec, settled };
  }

  enqueue(rec, signature) {
    let done;
    const settled = new Promise((resolve) => (done = resolve));
    this.queue.push({ rec, signature, done, generation: this.generation });
    this.pump();
    return settled;
  }

  async pump() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.closed) {
        const job = this.queue[0];
        this.current = job;
        try {
          if (job.generation === this.generation) await this.deliver(job);
        } finally {
          if (this.queue[0] === job) this.queue.shift();
          this.current = null;
          job.done();
          this.onChange();
        }
      }
    } finally {
      this.running = false;
      if (!this.queue.length) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  async deliver(job) {
    const { rec } = job;
    const attempts = 1 + this.retryDelaysMs.length;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const url = this.webhookUrl;
      if (!url || this.closed || job.generation !== this.generation) return;
      // Each attempt is signed at send time, like Stripe's retries.
      const signature = attempt === 1 && job.signature ? job.signature : signPayload(rec.payload, this.webhookSecret);
      const started = Date.now();
      const result = await postOnce(url, rec.payload, signature, this.timeoutMs);
      const ok = result.status !== null && result.status >= 200 && result.status < 300;
      rec.deliveries.push({
        attempt,
        url,
        at: Math.floor(started / 1000),
        duration_ms: Date.now() - started,
        status: result.status,
        ok,
        ...(result.error ? { error: result.error } : {}),
        ...(!ok && result.body ? { response_body: result.body } : {}),
      });
      this.log(`webhook ${rec.event.type} ${rec.event.id} → ${url} attempt ${attempt}: ${result.status ?? result.error}`);
      if (ok) return;
      if (attempt < attempts) await sleep(this.retryDelaysMs[attempt - 1]);
    }
  }

  /** Ids of events recorded but not delivered yet (queued or in flight), in delivery order. */
  pendingIds() {
    const ids = [];
    for (const job of this.queue) if (job.generation === this.generation && !ids.includes(job.rec.event.id)) ids.push(job.rec.event.id);
    return ids;
  }

  /** Loads a saved webhook log and queues again what had not been delivered when it was saved. */
  restore(events, pending) {
    this.records = events.map((e) => ({ ...e, settled: Promise.resolve() }));
    this.byId = new Map(this.records.map((r) => [r.event.id, r]));
    for (const id of pending) {
      const rec = this.byId.get(id);
      if (rec && this.webhookUrl) rec.settled = this.enqueue(rec, null);
    }
  }

  /** Resolves when the given records are delivered (or gave up), or after timeoutMs. */
  async waitFor(records, timeoutMs) {
    if (!timeoutMs || !records.length) return;
    let timer;
    await Promise.race([Promise.all(records.map((r) => r.settled)), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** Resolves when the queue is empty (or after timeoutMs). */
  async idle(timeoutMs = 10_000) {
    if (!this.running && !this.queue.length) return;
    let timer;
    await Promise.race([
      new Promise((resolve) => this.idleWaiters.push(resolve)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  reset() {
    this.generation++;
    for (const job of this.queue.splice(0)) job.done();
    this.records = [];
    this.byId.clear();
  }

  close() {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.done();
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
