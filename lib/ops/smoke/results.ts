/**
 * The smoke check's results: one line per check, `PASS|FAIL|SKIP <name> — <detail>`, which CI
 * (tests/e2e/smoke.spec.ts) parses back, and the checks in the order they print. Pure.
 */

export type Outcome = "PASS" | "FAIL" | "SKIP";

export interface CheckResult {
  outcome: Outcome;
  name: string;
  detail: string;
}

/** `PASS <name> — <detail>` on one line. */
export function formatResult(r: CheckResult): string {
  return `${r.outcome} ${r.name} — ${r.detail.replace(/\s*\n\s*/g, " ")}`;
}

/** The inverse of `formatResult`; null for any other line (info lines start with `#`). */
export function parseResultLine(line: string): CheckResult | null {
  const m = /^(PASS|FAIL|SKIP) (\S+) — (.*)$/.exec(line);
  return m ? { outcome: m[1] as Outcome, name: m[2], detail: m[3] } : null;
}

/** The checks, in the order they print. */
export const SMOKE_CHECKS = [
  "app-health",
  "unsigned-media",
  "public-media",
  "bucket-private",
  "https-redirect",
  "signed-url",
  "signed-cookies",
  "signed-playlist",
  "tampered-signature",
  "expired",
  "app-headers",
  "media-headers",
] as const;
export type SmokeCheck = (typeof SMOKE_CHECKS)[number];
