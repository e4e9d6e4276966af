import { desc, eq, like } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { devMailbox } from "./schema";

/** Newest first; optional filter by recipient. */
export async function listMailbox(env: Env, to: string | null, limit = 100) {
  return getDb(env)
    .select({ id: devMailbox.id, to: devMailbox.to, subject: devMailbox.subject, createdAt: devMailbox.createdAt })
    .from(devMailbox)
    .where(to ? like(devMailbox.to, `%${to.replace(/[%_]/g, "")}%`) : undefined)
    .orderBy(desc(devMailbox.createdAt), desc(devMailbox.id))
    .limit(limit);
}

export async function getMailboxMessage(env: Env, id: string) {
  return getDb(env).query.devMailbox.findFirst({ where: eq(devMailbox.id, id) });
}
