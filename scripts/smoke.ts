/**
 * Smoke check of a deployed stack (or the local one), from the outside, over HTTP only:
 *
 *   npm run smoke -- --app https://learn.example.com --media https://media.example.com \
 *     --bucket-url https://<bucket>.s3.<region>.amazonaws.com/ --email E --password P
 *
 * One line per check, `PASS|FAIL|SKIP <name> — <detail>`; lines starting with `#` are
 * information. Exit code 1 when a check FAILs, 2 on a usage error. What each check proves:
 * docs/deploy.md "Smoke check". This file is the command line only (arguments, printing, exit
 * code); the client, the account step and the checks are lib/ops/smoke/. No app code, no keys,
 * no database: an account's email and password are all it needs.
 */
import { parseSmokeArgs, SMOKE_USAGE, UsageError, type SmokeOptions } from "../lib/ops/smoke/args";
import { exitCode, formatResult, summaryLine } from "../lib/ops/smoke/results";
import { runSmoke } from "../lib/ops/smoke/run";

async function main(): Promise<number> {
  let opts: SmokeOptions | "help";
  try {
    opts = parseSmokeArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`smoke: ${err.message}\n\n${SMOKE_USAGE}`);
    return 2;
  }
  if (opts === "help") {
    console.log(SMOKE_USAGE);
    return 0;
  }
  const results = await runSmoke(opts, { log: console.log, report: (result) => console.log(formatResult(result)) });
  console.log(summaryLine(results));
  return exitCode(results);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error("smoke: unexpected error:", err);
    process.exit(1);
  },
);
