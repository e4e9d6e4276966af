/**
 * Publishes scheduled posts on time. One instance ("global") keeps a single alarm at the earliest
 * `publish_at` of any scheduled post; the alarm publishes everything due and re-arms for the next.
 * DO alarms fire under `wrangler dev` and in tests (cron triggers don't fire locally), and the
 * every-minute cron in wrangler.toml stays as a safety net in production. Publishing is idempotent
 * (status guard), so an alarm and the cron racing each other publish a post once.
 */
import { DurableObject } from "cloudflare:workers";
import { nextPublishAt, publishDuePosts } from "../../app/modules/posts/service.server";

export class PostScheduler extends DurableObject<Env> {
  /** Makes sure the alarm fires no later than `at` (unix seconds). */
  async wake(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    const when = Math.max(at * 1000, Date.now());
    if (current === null || when < current) await this.ctx.storage.setAlarm(when);
  }

  async alarm(): Promise<void> {
    await publishDuePosts(this.env);
    const next = await nextPublishAt(this.env);
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next * 1000, Date.now() + 1000));
  }
}
