/** Demo videos: only YouTube, Loom and Vimeo links are accepted, and shown through their embed players. */
export type VideoEmbed = { provider: "YouTube" | "Loom" | "Vimeo"; embedUrl: string };

const host = (u: URL) => u.hostname.toLowerCase().replace(/^www\.|^m\./, "");

export function videoEmbed(raw: string | null | undefined): VideoEmbed | null {
  if (!raw) return null;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return null;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return null;
  const h = host(u);
  const seg = u.pathname.split("/").filter(Boolean);
  const ytId = (id: string | null | undefined) => (id && /^[A-Za-z0-9_-]{6,20}$/.test(id) ? id : null);
  if (h === "youtube.com" || h === "youtube-nocookie.com") {
    const id = ytId(seg[0] === "watch" ? u.searchParams.get("v") : ["embed", "shorts", "live"].includes(seg[0]) ? seg[1] : null);
    return id ? { provider: "YouTube", embedUrl: `https://www.youtube-nocookie.com/embed/${id}` } : null;
  }
  if (h === "youtu.be") {
    const id = ytId(seg[0]);
    return id ? { provider: "YouTube", embedUrl: `https://www.youtube-nocookie.com/embed/${id}` } : null;
  }
  if (h === "loom.com") {
    const id = ["share", "embed"].includes(seg[0]) && /^[A-Za-z0-9]{16,64}$/.test(seg[1] ?? "") ? seg[1] : null;
    return id ? { provider: "Loom", embedUrl: `https://www.loom.com/embed/${id}` } : null;
  }
  if (h === "vimeo.com" || h === "player.vimeo.com") {
    const id = (h === "player.vimeo.com" ? seg[1] : seg[0]) ?? "";
    return /^\d{4,12}$/.test(id) ? { provider: "Vimeo", embedUrl: `https://player.vimeo.com/video/${id}` } : null;
  }
  return null;
}
