/** Account emails arrive through the real email queue (consumed in the background in tests). */
import { env } from "cloudflare:workers";
import { and, desc, eq, like } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { devMailbox } from "~/modules/email/schema";

/** The newest message to `to` whose subject contains `subject`, waiting up to ~10 s for the queue. */
export async function waitForMail(to: string, subject: string, opts: { after?: string[] } = {}) {
  for (let i = 0; i < 200; i++) {
    const rows = await getDb(env)
      .select()
      .from(devMailbox)
      .where(and(eq(devMailbox.to, to), like(devMailbox.subject, `%${subject}%`)))
      .orderBy(desc(devMailbox.createdAt));
    const fresh = rows.filter((r) => !(opts.after ?? []).includes(r.id));
    if (fresh.length) return fresh[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no email "${subject}" to ${to}`);
}

/** All mail ids to `to` so far (to wait for the NEXT one with `after`). */
export async function mailIds(to: string) {
  return (await getDb(env).select({ id: devMailbox.id }).from(devMailbox).where(eq(devMailbox.to, to))).map((r) => r.id);
}

/** The first `/path/<token>` link in a message's text. */
export function linkIn(mail: { text: string }, path: string): string {
  const m = new RegExp(`https?://[^\\s]*(/${path}/[A-Za-z0-9_-]{43})`).exec(mail.text);
  if (!m) throw new Error(`no /${path}/ link in: ${mail.text}`);
  return m[1];
}
