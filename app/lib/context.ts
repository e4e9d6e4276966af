import type { Prefetched, SessionViewer } from "~/modules/identity/auth.server";

declare module "@remix-run/cloudflare" {
  interface AppLoadContext {
    cloudflare: { env: Env; ctx: ExecutionContext };
    /** The signed-in person, or null for anonymous visitors. */
    viewer: SessionViewer | null;
    sessionId: string | null;
    /** Page data read in the same D1 batch as the session (`SessionRide`), when the page has one. */
    prefetched?: Prefetched | null;
    /**
     * Rendering the shared signed-in page (decision 55): no viewer, and the page's per-viewer
     * parts are filled in by the browser from `/viewer.json`.
     */
    shared?: boolean;
  }
}
export {};
