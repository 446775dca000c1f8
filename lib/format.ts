/**
 * How the portal writes sizes, durations, prices, dates and counts for people. Pure (no I/O),
 * shared by server and client components.
 */

// ---- sizes ----

const KB = 1024;
const UNITS: [number, string][] = [
  [KB * KB * KB, "GB"],
  [KB * KB, "MB"],
  [KB, "KB"],
];

/**
 * "6.2 GB", "15 MB", "812 KB", "17 bytes": binary units (1 MB = 1,048,576 bytes, as operating
 * systems show sizes), `digits` decimals dropped when the value is whole.
 */
export function formatBytes(bytes: number, digits = 1): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  const unit = UNITS.find(([size]) => bytes >= size);
  if (!unit) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const fixed = (bytes / unit[0]).toFixed(digits);
  return `${Number.isInteger(Number(fixed)) ? String(Number(fixed)) : fixed} ${unit[1]}`;
}

// ---- durations ----

const pad2 = (n: number) => String(n).padStart(2, "0");

/** A media length as a clock: "4:05", "1:02:03"; null when unknown. */
export function formatDuration(seconds: number | null | undefined): string | null {
  if (seconds == null || !Number.isFinite(seconds)) return null;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${m}:${pad2(s % 60)}`;
}

/** Time left, in words: "12 s", "3 min 5 s", "2 h 10 min"; "" when unknown. */
export function formatRemaining(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// ---- prices ----

/** "Free", "Paid" (no price set), "$49", "$49.99". */
export function formatPrice(course: { isFree: boolean; priceCents: number | null }): string {
  if (course.isFree) return "Free";
  if (course.priceCents == null) return "Paid";
  return `$${(course.priceCents / 100).toFixed(course.priceCents % 100 ? 2 : 0)}`;
}

/** Value of a price input: "", "49", "49.99". */
export function priceInputValue(cents: number | null): string {
  if (cents == null) return "";
  return cents % 100 === 0 ? String(cents / 100) : (cents / 100).toFixed(2);
}

// ---- dates ----

/** "2026-03-01": the UTC calendar date. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** "2026-03-01 09:30": the UTC date and time to the minute. */
export function isoMinute(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

/** "2026-03-01 09:30:05": the UTC date and time to the second (logs). */
export function isoSecond(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/**
 * Calendar dates (expiries, created-on): shown in UTC, the zone a `<input type="date">` value
 * is read in (new Date("2026-03-01") is midnight UTC), so what was typed is what is shown.
 */
export function formatDate(d: Date | null | undefined): string {
  return d ? dateFormat.format(d) : "—";
}

/** Value for `<input type="date">` (UTC calendar date, see formatDate). */
export function toDateInputValue(d: Date | null | undefined): string {
  return d ? isoDate(d) : "";
}

/**
 * Value for `<input type="datetime-local">`. The server reads that value in its own time
 * zone (new Date("2026-03-01T09:00")), so it is written back in the same zone.
 */
export function toDateTimeLocalValue(d: Date | null | undefined): string {
  if (!d) return "";
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

const dateTimeFormat = new Intl.DateTimeFormat("en-US", {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZoneName: "short",
});

/** A moment (drip dates), in the server's time zone with the zone named. */
export function formatDateTime(d: Date | null | undefined): string {
  return d ? dateTimeFormat.format(d) : "—";
}

/** Name of the server's time zone, for form hints ("UTC", "Europe/Paris"…). */
export function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "server time";
}

// ---- counts ----

/** "1 lesson", "3 lessons", "2 access codes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
