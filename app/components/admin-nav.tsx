import { NavLink } from "@remix-run/react";

const LINKS = [
  { to: "/admin", label: "Home", end: true },
  { to: "/admin/metrics", label: "Metrics" },
  { to: "/admin/users", label: "Users" },
  { to: "/admin/moderation", label: "Moderation" },
  { to: "/admin/featured", label: "Staff picks" },
  { to: "/admin/promotions", label: "Promotions" },
  { to: "/admin/dead-letters", label: "Dead letters" },
  { to: "/admin/reconcile-follows", label: "Follow reconcile" },
];

/** The admin console's navigation, shown on every console page. */
export function AdminNav() {
  return (
    <nav aria-label="Admin console" className="flex flex-wrap gap-2 border-b border-slate-200 pb-3 text-sm">
      {LINKS.map((l) => (
        <NavLink
          key={l.to}
          to={l.to}
          end={l.end}
          className={({ isActive }) =>
            `rounded-lg px-3 py-1.5 ${isActive ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"}`
          }
        >
          {l.label}
        </NavLink>
      ))}
    </nav>
  );
}

export const when = (s: number) => new Date(s * 1000).toISOString().replace("T", " ").slice(0, 16) + " UTC";
