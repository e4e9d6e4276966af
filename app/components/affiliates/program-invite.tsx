import { Link } from "@remix-run/react";

/** "Earn N% by sharing — become an affiliate": the same for every visitor (no per-viewer data). */
export function ProgramInvite({ invite, className = "" }: { invite: { percent: number; href: string } | null; className?: string }) {
  if (!invite) return null;
  return (
    <p className={`text-sm text-slate-600 ${className}`}>
      Earn {invite.percent}% by sharing —{" "}
      <Link
        to={invite.href}
        className="font-medium text-brand-700 underline decoration-brand-300 underline-offset-2 hover:text-brand-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
      >
        become an affiliate
      </Link>
    </p>
  );
}
