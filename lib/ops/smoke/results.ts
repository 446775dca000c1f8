/**
 * The smoke check's results: one line per check, `PASS|FAIL|SKIP <name> — <detail>`, which CI
 * (tests/e2e/smoke.spec.ts) parses back, the checks in the order they print, how a check
 * turns into a result, and the summary and exit code of a run. Pure.
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

/** A check FAILs with this message. */
export class CheckFailure extends Error {}

/** A check is SKIPPED with this message (it does not apply to this stack or these options). */
export class Skip extends Error {}

export function expect(ok: unknown, message: string): asserts ok {
  if (!ok) throw new CheckFailure(message);
}

/** PASS with the detail `check` resolves to, SKIP when it throws Skip, FAIL when it throws anything else. */
export async function runCheck(name: string, check: () => Promise<string>): Promise<CheckResult> {
  try {
    return { outcome: "PASS", name, detail: await check() };
  } catch (err) {
    if (err instanceof Skip) return { outcome: "SKIP", name, detail: err.message };
    return { outcome: "FAIL", name, detail: err instanceof Error ? err.message : String(err) };
  }
}

/** The last line of a run: `# N passed, N failed, N skipped`. */
export function summaryLine(results: CheckResult[]): string {
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  return `# ${count("PASS")} passed, ${count("FAIL")} failed, ${count("SKIP")} skipped`;
}

/** 1 when a check FAILed, else 0 (2, a usage error, is the command line's). */
export function exitCode(results: CheckResult[]): number {
  return results.some((r) => r.outcome === "FAIL") ? 1 : 0;
}
