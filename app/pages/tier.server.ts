/** The tier page (`/tiers/:id`): the tier itself, and for a member of another paid tier of the same creator, the switch offer (D65). */
import type { Viewer } from "~/modules/identity/auth.server";
import { getSwitchOffer } from "~/modules/payments/switch.server";
import { getTierPage } from "~/modules/tiers/service.server";

export async function tierPage(env: Env, tierId: string, viewer: Viewer | null) {
  const page = await getTierPage(env, tierId, viewer);
  if (!page) return null;
  const switchOffer = viewer && !page.isOwner && !page.membership ? await getSwitchOffer(env, viewer, tierId) : null;
  // A member of this tier at the other interval sees the tier as theirs, plus the interval switch.
  const sameTierSwitch = viewer && page.membership && !page.isOwner ? await getSwitchOffer(env, viewer, tierId) : null;
  return { ...page, switchOffer: switchOffer ?? (sameTierSwitch?.options.length ? sameTierSwitch : null) };
}
