import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { createContext, useContext, useEffect, useState } from "react";
import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/cloudflare";
import stylesheet from "./tailwind.css?url";
import { Icon } from "~/components/icons";
import { HYDRATE_ON_INTENT_SCRIPT } from "~/lib/hydration";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export function loader({ context }: LoaderFunctionArgs) {
  // Handle and unread count arrive with the session (one D1 query in workers/index.ts).
  const viewer = context.viewer;
  // The shared signed-in page (decision 55): rendered for no one; the browser asks /viewer.json.
  if (!viewer) return { viewer: null, shared: !!context.shared };
  return {
    viewer: {
      email: viewer.email,
      isAdmin: viewer.isAdmin,
      handle: viewer.handle,
      unread: viewer.unread,
      emailVerified: viewer.emailVerified,
    },
    shared: false,
  };
}

type HeaderViewer = { email: string; isAdmin: boolean; handle: string | null; unread: number; emailVerified: boolean };
/** What `/viewer.json` answers: the viewer's own parts of a shared page (decision 55). */
export type PerViewer = {
  viewer: HeaderViewer | null;
  storefront: { handle: string; following: boolean; followerCount: number; isOwner: boolean; unlocked: string[] } | null;
};
const PerViewerContext = createContext<PerViewer | null>(null);

/** The per-viewer answer for a shared page (null while it loads, and on pages rendered per viewer). */
export function usePerViewer() {
  return useContext(PerViewerContext);
}

/** The signed-in viewer: from the page's own render, or (on a shared page) from /viewer.json. */
export function useViewer() {
  const root = useRouteLoaderData<typeof loader>("root");
  const perViewer = usePerViewer();
  // Only while the root data is the shared render's: once it is revalidated (after logging out,
  // after any action) the server's answer about who is signed in wins over the earlier fetch.
  return root?.viewer ?? (root?.shared ? (perViewer?.viewer ?? null) : null);
}

/** True on a shared signed-in page until /viewer.json has answered: show a signed-in shell. */
export function useViewerPending() {
  const shared = useRouteLoaderData<typeof loader>("root")?.shared ?? false;
  const perViewer = usePerViewer();
  return shared && perViewer === null;
}

/**
 * Marks this browser as one that runs scripts (decision 55): its signed-in storefront visits then
 * get the shared page plus /viewer.json. Once per page load; not a credential.
 */
function useScriptsCookie() {
  useEffect(() => {
    if (!/(?:^|;\s*)at_js=1(?:;|$)/.test(document.cookie))
      document.cookie = `at_js=1; Path=/; Max-Age=31536000; SameSite=Lax${location.protocol === "https:" ? "; Secure" : ""}`;
  }, []);
}

/** On a shared page, asks /viewer.json once for this viewer's parts (and the storefront's, if on one). */
function useFetchPerViewer(shared: boolean): PerViewer | null {
  const [answer, setAnswer] = useState<PerViewer | null>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    if (!shared) return;
    const sf = /^\/@([a-z0-9-]{1,30})\/?$/i.exec(pathname);
    fetch(`/viewer.json${sf ? `?storefront=${sf[1]}` : ""}`, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? (r.json() as Promise<PerViewer>) : { viewer: null, storefront: null }))
      .catch(() => ({ viewer: null, storefront: null }))
      .then(setAnswer);
    // Once per shared page load; later navigations render per viewer (their loaders see the session).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shared]);
  return answer;
}

function Header() {
  const viewer = useViewer();
  // A shared signed-in page shows the signed-in header (without the personal links) until
  // /viewer.json answers; if the session has ended meanwhile, it becomes the signed-out header.
  const pending = useViewerPending();
  const signedIn = !!viewer || pending;
  const nav = ({ isActive }: { isActive: boolean }) =>
    `whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium ${isActive ? "bg-brand-50 text-brand-800" : "text-slate-600 hover:text-slate-900"}`;
  return (
    <header className="sticky top-0 z-30 border-b border-slate-200 bg-white/90 backdrop-blur">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <div className="mx-auto flex h-16 max-w-6xl items-center gap-2 px-4 sm:gap-4">
        <Link to="/" className="flex shrink-0 items-center gap-2 whitespace-nowrap text-lg font-bold tracking-tight text-slate-900">
          <span
            aria-hidden="true"
            className="inline-flex h-8 w-8 items-center justify-center rounded-lg bg-gradient-to-br from-brand-600 to-fuchsia-500 text-white"
          >
            ✦
          </span>
          {/* Signed-in phones need the room for Feed, the bell and Library; the name stays for screen readers. */}
          <span className={signedIn ? "max-sm:sr-only" : undefined}>All Thrive</span>
        </Link>
        <nav aria-label="Main" className="hidden items-center gap-1 sm:flex">
          <NavLink to="/" end className={nav}>
            Creators
          </NavLink>
          {signedIn ? (
            <NavLink to="/feed" className={nav}>
              Feed
            </NavLink>
          ) : null}
          {viewer?.handle ? (
            <NavLink to="/dashboard/posts" className={nav}>
              Posts
            </NavLink>
          ) : null}
          <NavLink to="/discover" className={nav}>
            Discover
          </NavLink>
        </nav>
        <div className="ml-auto flex items-center gap-0 sm:gap-2">
          {signedIn ? (
            <>
              {!viewer ? null : viewer.handle ? (
                <Link
                  to={`/@${viewer.handle}`}
                  className="hidden rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:text-slate-900 sm:inline"
                >
                  My storefront
                </Link>
              ) : (
                <Link
                  to="/settings/profile"
                  className="hidden rounded-md px-3 py-2 text-sm font-medium text-brand-700 hover:text-brand-900 sm:inline"
                >
                  Become a creator
                </Link>
              )}
              <Link to="/feed" className="rounded-md px-2 py-2 text-sm font-medium text-slate-700 hover:text-slate-900 sm:hidden">
                Feed
              </Link>
              <Link
                to="/notifications"
                className="relative rounded-md p-2 text-slate-600 hover:text-slate-900"
                aria-label={viewer?.unread ? `Notifications, ${viewer.unread} unread` : "Notifications"}
              >
                <Icon name="bell" className="h-5 w-5" />
                {viewer?.unread ? (
                  <span
                    aria-hidden="true"
                    className="absolute -right-0.5 -top-0.5 inline-flex min-w-[1.1rem] items-center justify-center rounded-full bg-brand-600 px-1 text-[0.65rem] font-bold leading-[1.1rem] text-white"
                  >
                    {viewer.unread > 99 ? "99+" : viewer.unread}
                  </span>
                ) : null}
              </Link>
              {viewer?.handle ? (
                <Link
                  to="/dashboard"
                  className="hidden rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:text-slate-900 sm:inline"
                >
                  Dashboard
                </Link>
              ) : null}
              <Link to="/library" className="rounded-md px-2 py-2 text-sm font-medium text-slate-700 hover:text-slate-900 sm:px-3">
                Library
              </Link>
              <Link
                to="/settings"
                className="rounded-md px-2 py-2 text-sm sm:px-3 font-medium text-slate-700 hover:text-slate-900"
                title={viewer?.email}
              >
                Settings
              </Link>
              <Form method="post" action="/logout">
                <button
                  type="submit"
                  className="whitespace-nowrap rounded-md px-2 py-2 text-sm font-medium text-slate-700 hover:text-slate-900 sm:px-3"
                >
                  Log out
                </button>
              </Form>
            </>
          ) : (
            <>
              <Link to="/login" className="rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:text-slate-900">
                Log in
              </Link>
              <Link
                to="/signup"
                className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white shadow-sm hover:bg-brand-700"
              >
                Sign up
              </Link>
            </>
          )}
        </div>
      </div>
      {/* Phones: the links that don't fit in the bar above, in a row that wraps, so no label is cut off. */}
      <nav aria-label="Sections" className="border-t border-slate-100 sm:hidden">
        <div className="mx-auto flex max-w-6xl flex-wrap gap-1 px-2 py-1">
          <NavLink to="/" end className={nav}>
            Creators
          </NavLink>
          <NavLink to="/discover" className={nav}>
            Discover
          </NavLink>
          {viewer?.handle ? (
            <NavLink to="/dashboard/posts" className={nav}>
              Posts
            </NavLink>
          ) : null}
          {viewer?.handle ? (
            <NavLink to="/dashboard" end className={nav}>
              Dashboard
            </NavLink>
          ) : null}
          {viewer?.handle ? (
            <NavLink to={`/@${viewer.handle}`} className={nav}>
              My storefront
            </NavLink>
          ) : null}
          {viewer && !viewer.handle ? (
            <NavLink to="/settings/profile" className={nav}>
              Become a creator
            </NavLink>
          ) : null}
        </div>
      </nav>
    </header>
  );
}

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="min-h-screen font-sans">
        {children}
        <ScrollRestoration />
        <Scripts />
        {/* Hydration on intent (decision 0106): inert unless this render deferred its scripts. */}
        <script dangerouslySetInnerHTML={{ __html: HYDRATE_ON_INTENT_SCRIPT }} />
      </body>
    </html>
  );
}

export default function App() {
  useScriptsCookie();
  const shared = useRouteLoaderData<typeof loader>("root")?.shared ?? false;
  const perViewer = useFetchPerViewer(shared);
  return (
    <PerViewerContext.Provider value={perViewer}>
      <Header />
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        <Outlet />
      </main>
      <footer className="border-t border-slate-200 py-8 text-center text-sm text-slate-500">
        All Thrive — the home for AI builders. Creators keep 92% of every sale.
      </footer>
    </PerViewerContext.Provider>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  let title = "Something went wrong";
  let message = "We hit an unexpected error. It's not you — please try again in a moment.";
  let status = 500;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const detail =
      typeof error.data === "object" && error.data && "message" in error.data
        ? String((error.data as { message: unknown }).message)
        : typeof error.data === "string"
          ? error.data
          : "";
    if (status === 404) {
      title = "Page not found";
      message = detail || "We couldn't find the page you were looking for. It may have moved, or the link may be mistyped.";
    } else if (status < 500 || status === 503) {
      title =
        status === 403 ? "Not allowed" : status === 401 ? "Please sign in" : status === 503 ? "Try again in a moment" : "That didn't work";
      message = detail || message;
    }
  }
  return (
    <>
      <Header />
      <main id="main" className="mx-auto flex max-w-xl flex-col items-center px-4 py-24 text-center">
        <p className="text-sm font-semibold text-brand-700">{status}</p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight text-slate-900">{title}</h1>
        <p className="mt-4 text-slate-600">{message}</p>
        <div className="mt-8 flex gap-3">
          <Link to="/" className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-semibold text-white hover:bg-brand-700">
            Go home
          </Link>
        </div>
      </main>
    </>
  );
}
