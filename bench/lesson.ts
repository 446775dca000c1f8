/**
 * The lesson page of an enrolled student (the demo student, signed in through the credentials
 * sign-in, on a paid lesson with a ready video, captions and a worksheet): requests per second
 * and latency at 20 concurrent connections, and the SQL statements one render sends.
 *
 * No external baseline: the figures are reported for the record (no target). The statements
 * are counted by PostgreSQL itself (pg_stat_statements, utility statements such as BEGIN and
 * COMMIT included) around single renders while nothing else queries: the smallest of three
 * counts, with what they were.
 */
import { signIn } from "./lib/data";
import { expectPage } from "./lib/http";
import { sleep } from "./lib/measure";
import { figure, type Bench } from "./lib/result";
import { errorCount, runWrk } from "./lib/wrk";

const CONNECTIONS = 20;

/** "SELECT … FROM "Course" …" -> `SELECT Course`, for a short list of what a render sent. */
export function describeStatement(sql: string): string {
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "?";
  const table = /\b(?:FROM|INTO|UPDATE)\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(sql)?.[1];
  return table ? `${verb} ${table}` : verb;
}

export const lesson: Bench = async (ctx) => {
  const [db, target, app] = await Promise.all([ctx.stack.database(), ctx.stack.lesson(), ctx.stack.app("ecdsa")]);
  const cookie = await signIn(app.url, "student@example.com");
  const url = app.url + target.path;
  const page = await expectPage(url, { Cookie: cookie });
  if (!page.body.includes("worksheet.pdf")) throw new Error("bench: the lesson page does not show the lesson's media to the enrolled student");

  // Statements per render, counted by the database.
  const counts: { total: number; statements: string[] }[] = [];
  for (let i = 0; i < 3; i++) {
    await db.pool.query("SELECT pg_stat_statements_reset()");
    await expectPage(url, { Cookie: cookie });
    await sleep(300); // the audit insert may finish after the response
    const { rows } = await db.pool.query<{ query: string; calls: string }>(
      `SELECT query, calls FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat_statements%'`,
    );
    const statements = rows.flatMap((r) => Array.from({ length: Number(r.calls) }, () => describeStatement(r.query)));
    counts.push({ total: statements.length, statements: statements.sort() });
  }
  const fewest = counts.reduce((a, b) => (b.total < a.total ? b : a));

  ctx.log("lesson: warm-up");
  const load = (seconds: number) => runWrk({ origin: app.url, paths: [target.path], connections: CONNECTIONS, threads: 1, seconds, headers: { Cookie: cookie } });
  await load(ctx.quick ? 1 : 3);
  ctx.log(`lesson: ${ctx.seconds * 1.5} s at ${CONNECTIONS} connections`);
  const r = await load(ctx.seconds * 1.5);
  if (errorCount(r) > 0) throw new Error(`bench: ${errorCount(r)} errors while loading the lesson page (${JSON.stringify(r.errors)})`);
  return [
    figure(`lesson page, enrolled student, ${CONNECTIONS} concurrent`, "req/s", r.rps, {
      p50Ms: r.latencyMs.p50,
      p99Ms: r.latencyMs.p99,
      extra: { requests: r.requests, maxMs: r.latencyMs.max },
    }),
    figure("lesson page: SQL statements per render", "statements", fewest.total, {
      extra: { statements: fewest.statements.join(", "), counts: counts.map((c) => c.total).join(" ") },
    }),
  ];
};
