/**
 * The data the benchmarks need on top of the demo seed: N published courses with covers (the
 * catalogue), a ready video with captions and an attachment on a lesson the demo student is
 * enrolled in (the lesson page, the edge), and signed-in sessions through the app's own
 * credentials sign-in (what the sign-in form does).
 */
import type pg from "pg";
import { lessonAttachmentKey, lessonCaptionKey, lessonVideoMasterKey, lessonVideoPrefix } from "../../lib/storage/keys";

/** The demo accounts' password (README; the seed refuses to run anywhere but APP_ENV=local). */
export const DEMO_PASSWORD = "demo-password-1";

/** Keeps exactly `n` published bench courses (ids `bench-<i>`), each with an instructor, three lessons and a READY cover. */
export async function ensureCourses(db: pg.Pool, n: number): Promise<void> {
  await db.query(`DELETE FROM "Course" WHERE id LIKE 'bench-%' AND substr(id, 7)::int > $1`, [n]);
  await db.query(`INSERT INTO "User" (id, email, name, role, "updatedAt") VALUES ('bench-teacher', 'bench-teacher@example.com', 'Bench Teacher', 'INSTRUCTOR', now()) ON CONFLICT DO NOTHING`);
  const missing = `FROM generate_series(1, $1::int) i WHERE NOT EXISTS (SELECT 1 FROM "Course" c WHERE c.id = 'bench-' || i)`;
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "Course" (id, slug, title, summary, description, published, "publishedAt", "isFree", "priceCents", "updatedAt")
       SELECT 'bench-' || i, 'bench-course-' || i, 'Bench course ' || i || ' on ' || (ARRAY['SQL','video','security','cooking','python'])[i % 5 + 1],
              'A generated course for the catalogue benchmark, number ' || i || ', about ' || (ARRAY['indexes','lighting','keys','bread','loops'])[i % 5 + 1] || '.',
              repeat('A long description that the catalogue card never shows. ', 40), true, now() - i * interval '1 minute', i % 3 = 0,
              CASE WHEN i % 3 = 0 THEN NULL ELSE 1900 END, now() ${missing}`,
      [n],
    );
    const series = `FROM generate_series(1, $1::int) i`;
    await client.query(`INSERT INTO "CourseInstructor" ("courseId", "userId") SELECT 'bench-' || i, 'bench-teacher' ${series} ON CONFLICT DO NOTHING`, [n]);
    await client.query(`INSERT INTO "Section" (id, "courseId", title, position, "updatedAt") SELECT 'bench-s' || i, 'bench-' || i, 'Section', 1, now() ${series} ON CONFLICT DO NOTHING`, [n]);
    await client.query(
      `INSERT INTO "Lesson" (id, "sectionId", position, title, "updatedAt") SELECT 'bench-l' || i || '-' || p, 'bench-s' || i, p, 'Lesson ' || p, now()
       ${series}, generate_series(1, 3) p ON CONFLICT DO NOTHING`,
      [n],
    );
    await client.query(
      `INSERT INTO "Asset" (id, kind, status, "courseId", "storageKey", "contentType", "updatedAt")
       SELECT 'bench-a' || i, 'IMAGE', 'READY', 'bench-' || i, 'courses/bench-' || i || '/cover/bench-a' || i || '.jpg', 'image/jpeg', now()
       ${series} ON CONFLICT DO NOTHING`,
      [n],
    );
    await client.query(`UPDATE "Course" SET "coverAssetId" = 'bench-a' || substr(id, 7) WHERE id LIKE 'bench-%' AND "coverAssetId" IS NULL`);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK");
    throw err;
  } finally {
    client.release();
  }
  await db.query("ANALYZE");
}

export interface BenchLesson {
  courseId: string;
  courseSlug: string;
  lessonId: string;
  videoAssetId: string;
  /** The lesson page's path. */
  path: string;
  /** The lesson's folder under which the worker writes the HLS outputs (…/video/<asset>/). */
  videoFolder: string;
}

/**
 * The demo student's paid, non-preview lesson of Practical Cloud Security, given a READY video
 * (as the worker leaves it), an English caption and a worksheet, so its page signs the player's
 * cookies, the poster and captions and the download like a real lesson.
 */
export async function ensureLesson(db: pg.Pool): Promise<BenchLesson> {
  const { rows } = await db.query<{ courseId: string; lessonId: string; videoAssetId: string | null }>(
    `SELECT c.id AS "courseId", l.id AS "lessonId", l."videoAssetId" AS "videoAssetId"
       FROM "Course" c JOIN "Section" s ON s."courseId" = c.id JOIN "Lesson" l ON l."sectionId" = s.id
      WHERE c.slug = 'cloud-security' AND NOT l."isFreePreview"
      ORDER BY s.position, l.position LIMIT 1`,
  );
  if (!rows[0]) throw new Error("bench: the demo course cloud-security has no paid lesson (was the database seeded?)");
  const { courseId, lessonId } = rows[0];
  const asset = "bench-video";
  const videoFolder = lessonVideoPrefix(courseId, lessonId, asset);
  if (!rows[0].videoAssetId) {
    await db.query(
      `INSERT INTO "Asset" (id, kind, status, "courseId", "lessonId", "storageKey", "contentType", "durationSeconds", "fileName", bytes, language, label, "updatedAt") VALUES
         ($1, 'VIDEO', 'READY', $2, $3, $4, 'application/vnd.apple.mpegurl', 600, NULL, NULL, NULL, NULL, now()),
         ('bench-caption', 'CAPTION', 'READY', $2, $3, $5, 'text/vtt', NULL, NULL, NULL, 'en', 'English', now()),
         ('bench-attachment', 'ATTACHMENT', 'READY', $2, $3, $6, 'application/pdf', NULL, 'worksheet.pdf', 2048, NULL, NULL, now())`,
      [
        asset,
        courseId,
        lessonId,
        lessonVideoMasterKey(courseId, lessonId, asset),
        lessonCaptionKey(courseId, lessonId, asset, "en"),
        lessonAttachmentKey(courseId, lessonId, "bench-attachment", "pdf"),
      ],
    );
    await db.query(`UPDATE "Lesson" SET "videoAssetId" = $1 WHERE id = $2`, [asset, lessonId]);
  }
  return { courseId, courseSlug: "cloud-security", lessonId, videoAssetId: asset, path: `/courses/cloud-security/lessons/${lessonId}`, videoFolder };
}

/** `name=value` pairs of the Set-Cookie headers of a response. */
function cookiesOf(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const eq = pair.indexOf("=");
    if (eq > 0) out.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return out;
}

/**
 * Signs `email` in through next-auth's credentials callback exactly as the sign-in form's
 * `signIn("credentials")` does (CSRF token, then the form post); returns the Cookie header
 * value of the session.
 */
export async function signIn(appUrl: string, email: string, password = DEMO_PASSWORD): Promise<string> {
  const csrf = await fetch(`${appUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesOf(csrf);
  const res = await fetch(`${appUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Origin: appUrl,
      Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
    },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${appUrl}/`, json: "true", redirect: "false" }),
  });
  const session = cookiesOf(res).get("next-auth.session-token");
  if (!session) throw new Error(`bench: signing in ${email} failed (${res.status}): ${(await res.text()).slice(0, 300)}`);
  return `next-auth.session-token=${session}`;
}
