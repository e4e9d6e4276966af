/**
 * Checks that the tiers, product and app a post refers to belong to its creator. The tables
 * arrive with issue 3 (apps) and issue 4 (tiers, products); until then ids are accepted as given
 * and listed as such. Also lists a creator's offerings for the post editor.
 */
export type Offering = { id: string; name: string };

export async function validateOfferings(env: Env, creatorId: string, refs: { tierIds: string[]; productId: string | null; appId: string | null }) {
  void env; void creatorId; void refs;
}

export async function listOfferings(env: Env, creatorId: string): Promise<{ tiers: Offering[]; products: Offering[]; apps: Offering[] }> {
  void env; void creatorId;
  return { tiers: [], products: [], apps: [] };
}
