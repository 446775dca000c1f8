/**
 * Catalogue at scale (issue 11): requests/s, p50 and page weight of a catalogue URL with N
 * published courses, against an app that is already running. Not part of `npm test`; ratios
 * only mean something within one run on one machine.
 *
 *   DATABASE_URL=postgresql://... npx tsx bench/catalogue.ts http://localhost:3320/courses 10 1000
 *
 * For each N it tops the database up to N published "bench" courses (each with an instructor,
 * three lessons and a READY cover, so every card signs a cover URL), warms the page, then
 * fetches it for BENCH_SECONDS (default 10) with BENCH_CONCURRENCY (default 4) clients. On a
 * shared machine, alternate the counts (`10 1000 10 1000 10 1000`): the ratio is of medians.
 * The bench courses are left in place (delete them with `bench/catalogue.ts ... 0`).
 */
import http from "node:http";
import pg from "pg";

const [url, ...counts] = process.argv.slice(2);
if (!url || counts.length === 0) {
  console.error("usage: DATABASE_URL=... tsx bench/catalogue.ts <catalogue URL> <courses> [<courses> ...]");
  process.exit(2);
}
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const db = new pg.Client({ connectionString: process.env.DATABASE_URL });

/** Keeps exactly `n` published bench courses (ids `bench-<i>`), the rest of the data untouched. */
async function ensureCourses(n: number): Promise<void> {
  await db.query(`DELETE FROM "Course" WHERE id LIKE 'bench-%' AND substr(id, 7)::int > $1`, [n]);
  await db.query(`INSERT INTO "User" (id, email, name, role, "updatedAt") VALUES ('bench-teacher', 'bench-teacher@example.com', 'Bench Teacher', 'INSTRUCTOR', now()) ON CONFLICT DO NOTHING`);
  const s = `FROM generate_series(1, $1::int) i WHERE NOT EXISTS (SELECT 1 FROM "Course" c WHERE c.id = 'bench-' || i)`;
  await db.query("BEGIN");
  await db.query(
    `INSERT INTO "Course" (id, slug, title, summary, description, published, "publishedAt", "isFree", "priceCents", "updatedAt")
     SELECT 'bench-' || i, 'bench-course-' || i, 'Bench course ' || i || ' on ' || (ARRAY['SQL','video','security','cooking','python'])[i % 5 + 1],
            'A generated course for the catalogue benchmark, number ' || i || ', about ' || (ARRAY['indexes','lighting','keys','bread','loops'])[i % 5 + 1] || '.',
            repeat('A long description that the catalogue card never shows. ', 40), true, now() - i * interval '1 minute', i % 3 = 0,
            CASE WHEN i % 3 = 0 THEN NULL ELSE 1900 END, now() ${s}`,
    [n],
  );
  await db.query(
    `INSERT INTO "CourseInstructor" ("courseId", "userId") SELECT 'bench-' || i, 'bench-teacher' FROM generate_series(1, $1::int) i ON CONFLICT DO NOTHING`,
    [n],
  );
  await db.query(
    `INSERT INTO "Section" (id, "courseId", title, position, "updatedAt") SELECT 'bench-s' || i, 'bench-' || i, 'Section', 1, now()
     FROM generate_series(1, $1::int) i ON CONFLICT DO NOTHING`,
    [n],
  );
  await db.query(
    `INSERT INTO "Lesson" (id, "sectionId", position, title, "updatedAt") SELECT 'bench-l' || i || '-' || p, 'bench-s' || i, p, 'Lesson ' || p, now()
     FROM generate_series(1, $1::int) i, generate_series(1, 3) p ON CONFLICT DO NOTHING`,
    [n],
  );
  await db.query(
    `INSERT INTO "Asset" (id, kind, status, "courseId", "storageKey", "contentType", "updatedAt")
     SELECT 'bench-a' || i, 'IMAGE', 'READY', 'bench-' || i, 'courses/bench-' || i || '/cover/bench-a' || i || '.jpg', 'image/jpeg', now()
     FROM generate_series(1, $1::int) i ON CONFLICT DO NOTHING`,
    [n],
  );
  await db.query(`UPDATE "Course" SET "coverAssetId" = 'bench-a' || substr(id, 7) WHERE id LIKE 'bench-%' AND "coverAssetId" IS NULL`);
  await db.query("COMMIT");
  await db.query(`ANALYZE`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function get(target: string): Promise<{ status: number; bytes: number; ms: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get(target, { agent }, (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
      })
      .on("error", reject);
  });
}

async function measure(target: string) {
  for (let i = 0; i < 5; i++) await get(target); // warm-up (compilation, caches)
  const times: number[] = [];
  let bytes = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const r = await get(target);
        if (r.status !== 200) throw new Error(`${target} answered ${r.status}`);
        times.push(r.ms);
        bytes = r.bytes;
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { rps: times.length / seconds, p50: times[Math.floor(times.length / 2)], bytes };
}

async function main() {
  await db.connect();
  const rows: { n: number; rps: number; p50: number; bytes: number }[] = [];
  for (const n of counts.map(Number)) {
    await ensureCourses(n);
    if (n > 0) rows.push({ n, ...(await measure(url)) });
  }
  await db.end();
  agent.destroy();
  console.log(`${url}  (${seconds}s, ${concurrency} clients)`);
  for (const r of rows) {
    console.log(`${String(r.n).padStart(6)} courses  ${r.rps.toFixed(1).padStart(7)} req/s  p50 ${r.p50.toFixed(0).padStart(5)} ms  ${(r.bytes / 1024).toFixed(1).padStart(8)} KiB`);
  }
  // Repeat the counts (e.g. 10 1000 10 1000) on a busy machine: the ratio is of the medians.
  const median = (n: number) => {
    const v = rows.filter((r) => r.n === n).map((r) => r.rps).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  const [lo, hi] = [rows[0].n, rows.at(-1)!.n];
  if (lo !== hi) console.log(`ratio req/s ${hi} vs ${lo} courses (medians): ${(median(hi) / median(lo)).toFixed(2)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
