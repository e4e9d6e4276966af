/** Services test helpers: a seller with availability and a service, created through the real routes. */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { makeSeller } from "~/modules/demo/factories.server";
import { postForm } from "./http";

/** Every day, all day, in UTC, no notice: there is always a slot soon. */
export const OPEN_ALL_DAY: Record<string, string> = {
  timeZone: "UTC",
  ...Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`day${i}`, "00:00-24:00"])),
  overrides: "",
  minNoticeMinutes: "0",
  horizonDays: "30",
  bufferBeforeMinutes: "0",
  bufferAfterMinutes: "0",
  dailyMax: "",
};

export async function setAvailability(cookie: string, fields: Record<string, string> = {}) {
  const res = await postForm("/dashboard/availability", { ...OPEN_ALL_DAY, ...fields }, { cookie });
  expect(res.status).toBe(200);
}

export async function createService(cookie: string, fields: Record<string, string> = {}) {
  const slug = fields.slug ?? `s-${crypto.randomUUID().slice(0, 8)}`;
  const res = await postForm(
    "/dashboard/services/new",
    {
      title: "Office hour",
      slug,
      description: "Ask me **anything**.",
      durationMinutes: "30",
      locationKind: "video",
      locationDetail: "",
      pricing: "per_session",
      price: "50",
      currency: "usd",
      ...fields,
    },
    { cookie },
  );
  expect(res.status, await res.clone().text()).toBe(302);
  const id = res.headers.get("Location")!.split("/dashboard/services/")[1].split("?")[0];
  return { id, slug };
}

/** A seller (payouts done) with open availability and one published service. */
export async function sellerWithService(fields: Record<string, string> = {}, availability: Record<string, string> = {}) {
  const seller = await makeSeller(env);
  const cookie = await seller.cookie();
  await setAvailability(cookie, availability);
  const s = await createService(cookie, fields);
  expect((await postForm(`/dashboard/services/${s.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
  return { seller, cookie, ...s };
}
