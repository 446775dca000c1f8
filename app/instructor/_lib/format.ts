/** Display and form-value helpers for the instructor pages (no business rules here). */

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
  return d ? d.toISOString().slice(0, 10) : "";
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Value for `<input type="datetime-local">`. The server reads that value in its own time
 * zone (new Date("2026-03-01T09:00")), so it is written back in the same zone.
 */
export function toDateTimeLocalValue(d: Date | null | undefined): string {
  if (!d) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
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

export function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
