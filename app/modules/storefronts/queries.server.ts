import { desc, eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { creators } from "./schema";

export async function findCreatorByHandle(env: Env, handle: string) {
  return getDb(env).query.creators.findFirst({ where: eq(creators.handle, handle.toLowerCase()) });
}

export async function findCreatorByUserId(env: Env, userId: string) {
  return getDb(env).query.creators.findFirst({ where: eq(creators.userId, userId) });
}

/** Newest creators first; used by the home page until discovery ranks them. */
export async function listCreators(env: Env, limit = 24) {
  return getDb(env).query.creators.findMany({ orderBy: [desc(creators.createdAt)], limit });
}
