import { e2e } from "../../playwright.config";
import { expect, test } from "./fixtures";
import { startAppInstance, type AppInstance } from "./support/instance";

/**
 * Revocation within a minute, measured with the DEFAULT media lifetimes (the e2e stack itself
 * runs with short ones): a second app instance without the TTL overrides issues the media, the
 * enrolment is revoked, and the test measures how long what was already issued keeps working.
 */
const PORT = e2e.secondAppPort + 10;

/** The expiry of a CloudFront signed URL: its canned `Expires`, or its custom policy's DateLessThan. */
function signedUrlExpiry(url: string): number {
  const q = new URL(url).searchParams;
  const canned = q.get("Expires");
  if (canned) return Number(canned);
  const policy = Buffer.from(q.get("Policy")!.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64").toString("utf8");
  return (JSON.parse(policy) as { Statement: Array<{ Condition: { DateLessThan: { "AWS:EpochTime": number } } }> }).Statement[0]!.Condition.DateLessThan["AWS:EpochTime"];
}

test.describe("revocation", () => {
  let app: AppInstance;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    app = await startAppInstance(PORT, { MEDIA_TTL_STREAM_SECONDS: undefined, MEDIA_TTL_DOWNLOAD_SECONDS: undefined, MEDIA_TTL_IMAGE_SECONDS: undefined });
  });

  test.afterAll(async () => {
    await app.stop();
  });

  test("revoking an enrolment stops new media at once and media already issued within 60 s", async ({ page, factories, signInAs }) => {
    test.setTimeout(150_000);
    const course = await factories.findCourse("cloud-security");
    const lesson = course.lessons.find((l) => l.title === "Signed URLs and signed cookies")!;
    const student = await factories.createUser();
    await factories.enrol(student, course, "active");
    await signInAs(student);
    const lessonUrl = `${app.url}/courses/${course.slug}/lessons/${lesson.id}`;
    const headers = { Origin: e2e.appUrl };

    // What an enrolled viewer holds: the folder cookies (default lifetime) and the page's signed URLs.
    const session = await page.request.post(`${app.url}/api/lessons/${lesson.id}/media-session`, { headers });
    expect(session.status()).toBe(200);
    const { expiresAt } = (await session.json()) as { expiresAt: number };
    expect(expiresAt - Date.now() / 1000).toBeLessThanOrEqual(60);
    const manifest = `${e2e.edgeUrl}/${await factories.lessonVideoKey(lesson.id)}`;
    const page_ = await page.request.get(lessonUrl);
    expect(page_.status()).toBe(200);
    const html = (await page_.text()).replace(/\\u0026/g, "&").replace(/&amp;/g, "&");
    const poster = new RegExp(`${e2e.edgeUrl}/[^"\\\\\\s]+/poster\\.jpg\\?[^"\\\\\\s]+`).exec(html)?.[0];
    expect(poster, "the lesson page signs a poster URL").toBeTruthy();
    expect((await page.request.get(manifest)).status()).toBe(200);
    expect((await page.request.get(poster!)).status()).toBe(200);

    await factories.enrol(student, course, "revoked");
    const revokedAt = Date.now();

    // Nothing new from now on: the page is a 403, the cookie refresh is refused.
    expect((await page.request.get(lessonUrl)).status()).toBe(403);
    expect((await page.request.post(`${app.url}/api/lessons/${lesson.id}/media-session`, { headers })).status()).toBe(403);

    // What was issued before stops on its own, within the default lifetimes: everything issued
    // expires within 60 s of the revocation (exact, from the expiries themselves) ...
    const posterExpires = signedUrlExpiry(poster!);
    expect(posterExpires).toBeGreaterThan(Date.now() / 1000);
    const lastExpiry = Math.max(expiresAt, posterExpires) * 1000;
    expect(lastExpiry - revokedAt).toBeLessThanOrEqual(60_000);
    // ... and the edge refuses it from then on (polled every second: detected at most one poll later).
    let stoppedAt = Number.POSITIVE_INFINITY;
    while (Date.now() - revokedAt < 90_000) {
      const statuses = await Promise.all([manifest, poster!].map((u) => page.request.get(u).then((r) => r.status())));
      if (statuses.every((s) => s === 403)) {
        stoppedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.log(
      `revocation: media issued before the revocation stopped working after ${((stoppedAt - revokedAt) / 1000).toFixed(1)} s (expiry ${((lastExpiry - revokedAt) / 1000).toFixed(1)} s after it, limit 60 s)`,
    );
    expect(stoppedAt).toBeLessThanOrEqual(lastExpiry + 2_500);
  });
});
