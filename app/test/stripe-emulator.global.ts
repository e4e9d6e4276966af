/**
 * vitest globalSetup (runs in Node): starts the local Stripe emulator on the port the config chose
 * and passed to the Worker as STRIPE_API_PORT. Webhook delivery is off: tests read the recorded
 * events from GET /_emulator/events and post them, signed, through the real Worker entry.
 */
// @ts-expect-error — plain JS module without types
import { startEmulator } from "../../tools/stripe-emulator/server.mjs";

export default async function setup() {
  const port = Number(process.env.ALLTHRIVE_TEST_STRIPE_PORT);
  const emulator = await startEmulator({ port, webhookUrl: null, log: () => {} });
  return async () => {
    await emulator.close();
  };
}
