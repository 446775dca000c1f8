import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { loadEnvFiles } from "../../lib/config/env-files";
import { e2e, serverEnv } from "../../playwright.config";
import { expect, test } from "./fixtures";
import { enrolledStudent, openLesson, openStudents, playAndAdvance, revokeAccess, users } from "./helpers";

const KEY_PATTERN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

function privateKeyMaterial(): { pem: string; chunks: string[] } {
  loadEnvFiles();
  const env = process.env;
  const pem = env.CLOUDFRONT_PRIVATE_KEY ?? fs.readFileSync(env.CLOUDFRONT_PRIVATE_KEY_PATH!, "utf8");
  // Distinctive slices of the key body: any of them in a file or response means a leak.
  const body = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const chunks = [0.2, 0.5, 0.8].map((f) => body.slice(Math.floor(body.length * f), Math.floor(body.length * f) + 40));
  return { pem, chunks };
}

test.describe("protected media", () => {
  test("an enrolled student sees signed images, plays the video with captions and downloads the worksheet", async ({ page, factories, signInAs }) => {
    await signInAs(await enrolledStudent(factories, "cloud-security"));
    await page.goto("/courses");
    const covers = page.getByTestId("course-cover-image");
    await expect(covers).toHaveCount(3);
    for (const img of await covers.all()) {
      expect(await img.getAttribute("src")).toMatch(/[?&]Expires=\d+&Key-Pair-Id=[^&]+&Signature=/);
      // Catalogue covers load lazily: bring each into view, then it must decode through the edge.
      await img.scrollIntoViewIfNeeded();
      await expect.poll(() => img.evaluate((i: HTMLImageElement) => (i.complete ? i.naturalWidth : 0))).toBeGreaterThan(0);
    }

    await openLesson(page, "Practical Cloud Security", "Signed URLs and signed cookies");
    await playAndAdvance(page);
    const cues = await page.getByTestId("lesson-video").evaluate(async (v: HTMLVideoElement) => {
      const t = v.textTracks[0];
      t.mode = "showing";
      for (let i = 0; i < 50 && !(t.cues && t.cues.length); i++) await new Promise((r) => setTimeout(r, 100));
      return { label: t.label, cues: t.cues?.length ?? 0 };
    });
    expect(cues).toEqual({ label: "English", cues: 2 });

    const link = page.getByTestId("attachment-link").first();
    await expect(link).toContainText("worksheet");
    const res = await page.request.get((await link.getAttribute("href"))!);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-disposition"]).toContain("attachment");
    expect(await res.text()).toContain("Worksheet: Signed URLs and signed cookies");
  });

  test("the free preview plays for a visitor who is not enrolled", async ({ page, factories, signInAs }) => {
    await signInAs(await factories.createUser());
    await openLesson(page, "Practical Cloud Security", "Why public buckets leak");
    await playAndAdvance(page);
  });

  test("a student who is not enrolled gets no signed URL or cookie, and the edge answers MissingKey", async ({ browser, factories, signInAs }) => {
    // Learn a real segment URL from an enrolled session.
    const enrolled = await browser.newPage();
    await signInAs(await enrolledStudent(factories, "cloud-security"), enrolled);
    await openLesson(enrolled, "Practical Cloud Security", "Signed URLs and signed cookies");
    const manifestUrl = (await enrolled.getByTestId("video-player").getAttribute("data-manifest-url"))!;
    const lessonPath = new URL(enrolled.url()).pathname;
    const lessonId = lessonPath.split("/").pop()!;
    const segmentUrl = new URL("360p/seg_000.ts", manifestUrl).toString();

    const outsider = await browser.newPage();
    await signInAs(await factories.createUser(), outsider);
    const html = await (await outsider.request.get(lessonPath)).text();
    expect(html).toContain("403 · Access denied");
    expect(html).not.toContain("Signature=");
    expect(html).not.toContain(manifestUrl);
    const session = await outsider.request.post(`/api/lessons/${lessonId}/media-session`);
    expect(session.status()).toBe(403);
    expect(session.headers()["set-cookie"]).toBeUndefined();
    const cookies = await outsider.context().cookies(e2e.edgeUrl);
    expect(cookies.filter((c) => c.name.startsWith("CloudFront-"))).toEqual([]);

    const direct = await outsider.request.get(segmentUrl);
    expect(direct.status()).toBe(403);
    expect(direct.headers()["content-type"]).toContain("text/xml");
    expect(await direct.text()).toContain("<Code>MissingKey</Code>");
    const playlist = await outsider.request.get(`/api/lessons/${lessonId}/hls/master.m3u8`);
    expect(playlist.status()).toBe(403);
  });

  test("a signed URL copied from an enrolled session stops working after it expires", async ({ page, factories, signInAs }) => {
    await signInAs(await enrolledStudent(factories, "cloud-security"));
    await openLesson(page, "Practical Cloud Security", "Signed URLs and signed cookies");
    const href = (await page.getByTestId("attachment-link").first().getAttribute("href"))!;
    const expires = Number(new URL(href).searchParams.get("Expires"));
    // A fresh context: no cookies, just the copied URL.
    const copied = await page.context().browser()!.newContext();
    expect((await copied.request.get(href)).status()).toBe(200);
    const waitMs = expires * 1000 - Date.now() + 1200;
    expect(waitMs).toBeLessThan(15_000);
    await new Promise((r) => setTimeout(r, Math.max(0, waitMs)));
    const after = await copied.request.get(href);
    expect(after.status()).toBe(403);
    expect(await after.text()).toContain("<Code>AccessDenied</Code>");
    await copied.close();
  });

  test("the cookie for lesson A does not open lesson B's segments", async ({ page, factories, signInAs }) => {
    await signInAs(await enrolledStudent(factories, "sql-basics"));
    await openLesson(page, "Getting Started with SQL", "Joining tables");
    const manifestB = (await page.getByTestId("video-player").getAttribute("data-manifest-url"))!;
    await openLesson(page, "Getting Started with SQL", "What is a relational database?");
    await expect(page.getByTestId("video-player")).toHaveAttribute("data-ready", "true");
    const manifestA = (await page.getByTestId("video-player").getAttribute("data-manifest-url"))!;
    const cookies = await page.context().cookies(manifestA);
    const cookieA = cookies.filter((c) => c.name.startsWith("CloudFront-") && manifestA.includes(c.path.replace(/\/$/, "")));
    expect(cookieA.map((c) => c.name).sort()).toEqual(["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
    expect(cookieA.every((c) => c.httpOnly && c.sameSite === "Lax")).toBe(true);
    const header = cookieA.map((c) => `${c.name}=${c.value}`).join("; ");

    const ctx = await page.context().browser()!.newContext();
    const a = await ctx.request.get(new URL("360p/seg_000.ts", manifestA).toString(), { headers: { cookie: header } });
    expect(a.status()).toBe(200);
    const b = await ctx.request.get(new URL("360p/seg_000.ts", manifestB).toString(), { headers: { cookie: header } });
    expect(b.status()).toBe(403);
    expect(await b.text()).toContain("<Code>AccessDenied</Code>");
    await ctx.close();
  });

  test("a revoked enrolment loses playback at the next cookie refresh", async ({ browser, factories, signInAs }) => {
    const viewer = await enrolledStudent(factories, "cloud-security");
    const student = await browser.newPage();
    await signInAs(viewer, student);
    const instructor = await browser.newPage();
    await signInAs(users.instructor, instructor);
    await openStudents(instructor, "Practical Cloud Security");

    await openLesson(student, "Practical Cloud Security", "Signed URLs and signed cookies");
    await playAndAdvance(student);
    await revokeAccess(instructor, viewer.email);
    // The player refreshes its cookies every ~9 s (TTL 12 s in the e2e env): the refresh is refused.
    await expect(student.getByTestId("player-error")).toBeVisible({ timeout: 20_000 });
    await expect(student.getByTestId("player-error")).toContainText(/access/i);
  });

  test("neither the private key nor the session secret reaches a client bundle, a response, an error page or a log", async ({ page, signInAs }) => {
    const { chunks } = privateKeyMaterial();
    // Needles: slices of the signing key's body and the session secret itself.
    const needles = [...chunks, e2e.nextAuthSecret];
    const leaks = (text: string) => KEY_PATTERN.test(text) || needles.some((n) => text.includes(n));
    const walk = (d: string, out: string[] = []) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p, out);
        else out.push(p);
      }
      return out;
    };
    const files = walk(path.join(".next", "static"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(leaks(fs.readFileSync(f, "latin1")), f).toBe(false);

    const seen: { url: string; text: string }[] = [];
    page.on("response", async (r) => {
      const body = await r.body().catch(() => null);
      seen.push({ url: r.url(), text: `${JSON.stringify(r.headers())}\n${body?.toString("latin1") ?? ""}` });
    });
    await signInAs(users.instructor);
    await page.goto("/courses");
    await openLesson(page, "Practical Cloud Security", "Signed URLs and signed cookies");
    await playAndAdvance(page);
    await page.goto("/instructor");
    await page.goto("/dashboard");
    // Error pages too: not found, access denied, a failing API call.
    await page.goto("/courses/no-such-course");
    await page.request.post("/api/lessons/no-such-lesson/progress", { data: { completed: true } });
    const outsider = await page.context().browser()!.newPage();
    await outsider.goto(new URL(page.url()).origin + "/courses/cloud-security");
    await outsider.close();
    expect(seen.length).toBeGreaterThan(20);
    for (const { url, text } of seen) expect(leaks(text), url).toBe(false);

    // And every log line the stack wrote (app, edge, worker, storage: LOG_DIR).
    const logs = walk(serverEnv.LOG_DIR);
    expect(logs.length).toBeGreaterThanOrEqual(4);
    for (const f of logs) expect(leaks(fs.readFileSync(f, "latin1")), f).toBe(false);
    // Sanity: the key we look for is a real key.
    expect(() => crypto.createPrivateKey(privateKeyMaterial().pem)).not.toThrow();
  });
});
