/**
 * Demo services (local Stripe emulator): maya offers a 30-minute office hour, a 3-session pack, a
 * fixed-price audit and a free intro call on weekday hours in New York; the demo visitor has a few
 * bookings. Written through the real services, so every rule real bookings obey holds here too.
 */
import type { Viewer } from "~/modules/identity/auth.server";
import { bookService, openSlots } from "~/modules/services/booking.server";
import { availabilityRules } from "~/modules/services/calendar.server";
import { createService, requireOwnedService, saveAvailability, setServiceStatus } from "~/modules/services/service.server";
import { pay } from "./seed-payments.server";

const WEEKDAYS = Object.fromEntries([1, 2, 3, 4, 5].map((d) => [`day${d}`, "09:00-12:00, 13:00-17:00"]));

export async function seedServices(env: Env, maya: Viewer, visitor: Viewer | null) {
  await saveAvailability(env, maya, {
    timeZone: "America/New_York",
    ...WEEKDAYS,
    day6: "10:00-13:00",
    overrides: "",
    minNoticeMinutes: "120",
    horizonDays: "45",
    bufferBeforeMinutes: "10",
    bufferAfterMinutes: "10",
    dailyMax: "6",
  });
  const make = async (input: Record<string, string>) => {
    const { id } = await createService(env, maya, { currency: "usd", locationKind: "video", ...input });
    await setServiceStatus(env, maya, id, "published");
    return id;
  };
  const office = await make({
    title: "30-minute office hour",
    slug: "office-hour",
    description: "Bring your AI app, your prompt or your stack question. We'll look at it **together** on a video call.",
    durationMinutes: "30",
    pricing: "per_session",
    price: "60",
    q0Label: "What would you like to cover?",
    q0Kind: "long",
    q0Required: "on",
    q1Label: "Your level",
    q1Kind: "choice",
    q1Choices: "Just starting, Shipping, Scaling",
  });
  await make({
    title: "Mentoring pack: 3 sessions",
    slug: "mentoring-pack",
    description: "Three 45-minute sessions to take one AI feature from idea to launch. Use them within 90 days.",
    durationMinutes: "45",
    pricing: "pack",
    price: "150",
    packSessions: "3",
    packExpiryDays: "90",
  });
  await make({
    title: "AI app audit",
    slug: "app-audit",
    description:
      "A written review of your AI app: prompts, evals, costs and failure modes. Delivered as a PDF with a 20-minute walkthrough.",
    durationMinutes: "60",
    pricing: "fixed_package",
    price: "900",
    deliveryDays: "5",
    locationKind: "after_booking",
    q0Label: "Link to your app",
    q0Kind: "short",
    q0Required: "on",
  });
  const intro = await make({
    title: "15-minute intro call",
    slug: "intro-call",
    description: "Not sure what you need? A quick free call to find out.",
    durationMinutes: "15",
    pricing: "per_session",
    price: "0",
  });
  if (!visitor) return;
  const rules = await availabilityRules(env, maya.id);
  const introRow = await requireOwnedService(env, maya, intro);
  const officeRow = await requireOwnedService(env, maya, office);
  const [firstIntro] = await openSlots(env, introRow, rules, 15);
  if (firstIntro)
    await bookService(
      env,
      visitor,
      "maya-builds",
      "intro-call",
      { start: String(firstIntro.start), minutes: "15", tz: "Europe/London" },
      env.PUBLIC_URL,
    );
  const officeSlots = await openSlots(env, officeRow, rules, 30);
  const later = officeSlots[Math.min(officeSlots.length - 1, 8)];
  if (later) {
    const { url } = await bookService(
      env,
      visitor,
      "maya-builds",
      "office-hour",
      {
        start: String(later.start),
        minutes: "30",
        tz: "Europe/London",
        answer_q0: "Review my support bot's eval set.",
        answer_q1: "Shipping",
      },
      env.PUBLIC_URL,
    );
    await pay(env, url);
  }
}
