import type { SessionViewer } from "~/modules/identity/auth.server";

declare module "@remix-run/cloudflare" {
  interface AppLoadContext {
    cloudflare: { env: Env; ctx: ExecutionContext };
    /** The signed-in person, or null for anonymous visitors. */
    viewer: SessionViewer | null;
    sessionId: string | null;
  }
}
export {};
