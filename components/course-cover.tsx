/**
 * A course's cover: the signed image when there is one, else a generated placeholder
 * (gradient + initials) so cards look finished before an instructor uploads a cover.
 */
const palettes = [
  ["#4f6ef7", "#8b5cf6"],
  ["#0ea5e9", "#22c55e"],
  ["#f97316", "#ef4444"],
  ["#14b8a6", "#6366f1"],
  ["#e11d48", "#f59e0b"],
  ["#0f766e", "#0284c7"],
];

function hash(s: string) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
}

export function CourseCover({
  title,
  seed,
  src,
  className = "",
  lazy = false,
}: {
  title: string;
  seed: string;
  src?: string | null;
  className?: string;
  /** In lists (the catalogue): load when scrolled near, and no preload hint for every cover in the head. */
  lazy?: boolean;
}) {
  if (src) {
    // Signed URLs are short-lived and per-viewer: a plain <img> (no optimiser cache) is intended.
    return (
      // eslint-disable-next-line @next/next/no-img-element
      <img
        src={src}
        alt={`Cover of ${title}`}
        loading={lazy ? "lazy" : undefined}
        decoding={lazy ? "async" : undefined}
        className={`aspect-video w-full object-cover ${className}`}
        data-testid="course-cover-image"
      />
    );
  }
  const [a, b] = palettes[hash(seed) % palettes.length];
  const initials = title
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("");
  return (
    <div
      className={`flex aspect-video w-full items-center justify-center ${className}`}
      style={{ backgroundImage: `linear-gradient(135deg, ${a}, ${b})` }}
      aria-hidden="true"
      data-testid="course-cover-placeholder"
    >
      <span className="text-4xl font-bold tracking-wide text-white/90 drop-shadow">{initials}</span>
    </div>
  );
}
