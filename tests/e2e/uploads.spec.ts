import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import type { Page } from "@playwright/test";
import { e2e } from "../../playwright.config";
import { expect, test } from "./fixtures";
import { openCourse, users } from "./helpers";

// A demo course taught by the demo instructor (the seed gave this lesson a transcoded video).
const COURSE = "Video Production for Educators";
const COURSE_SLUG = "video-production";
const LESSON = "Cutting for attention";
const storageOrigin = `http://127.0.0.1:${e2e.storagePort}`;

/** Opens the instructor's editor page of LESSON. */
async function editLesson(page: Page) {
  await page.goto("/instructor");
  await page.getByTestId("instructor-course").filter({ hasText: COURSE }).getByRole("link", { name: /Edit/ }).first().click();
  await page.getByRole("link", { name: `Edit lesson ${LESSON}` }).click();
  await expect(page.getByTestId("video-panel")).toBeVisible();
}

test.describe.configure({ mode: "serial" });

test.describe("instructor uploads", () => {
  test("a real MP4 uploads with progress, is transcoded, and an enrolled student plays more than one rendition", async ({ browser, factories, signInAs }, testInfo) => {
    test.setTimeout(180_000);
    const mp4 = testInfo.outputPath("lesson.mp4");
    execFileSync("ffmpeg", [
      "-hide_banner", "-loglevel", "error", "-y",
      "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=8",
      "-f", "lavfi", "-i", "sine=f=330:sample_rate=48000:d=8",
      "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", mp4,
    ]);

    const instructor = await browser.newPage();
    await signInAs(users.instructor, instructor);
    await editLesson(instructor);
    const uploader = instructor.getByTestId("video-uploader");
    await uploader.getByLabel("Video file").setInputFiles(mp4);
    await uploader.getByRole("button", { name: "Upload", exact: true }).click();
    await expect(uploader.getByTestId("upload-status")).toContainText("being processed", { timeout: 30_000 });
    // Processing shows, then the video becomes the lesson's current, ready video.
    await expect(instructor.getByTestId("video-current")).toHaveAttribute("data-status", "READY", { timeout: 120_000 });
    await expect(instructor.getByTestId("video-renditions")).toContainText("360p");
    await expect(instructor.getByTestId("video-renditions")).toContainText("180p");

    const viewer = await factories.createUser();
    await factories.enrol(viewer, await factories.findCourse(COURSE_SLUG), "active");

    const student = await browser.newPage();
    const renditionsFetched = new Set<string>();
    student.on("response", (r) => {
      const m = /\/video\/[^/]+\/(\d+p)\/seg_\d+\.ts/.exec(r.url());
      if (m && r.status() === 200) renditionsFetched.add(m[1]);
    });
    await signInAs(viewer, student);
    await openCourse(student, COURSE);
    await student.getByTestId("syllabus").getByRole("link", { name: LESSON }).click();
    const player = student.getByTestId("video-player");
    await expect(player).toHaveAttribute("data-ready", "true", { timeout: 20_000 });
    const quality = student.getByTestId("quality");
    const options = await quality.locator("option").allTextContents();
    expect(options).toEqual(expect.arrayContaining(["Auto", "360p", "180p"]));
    const video = student.getByTestId("lesson-video");
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    for (const label of ["180p", "360p"]) {
      await quality.selectOption({ label });
      const before = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
      await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(before + 0.5);
      await expect.poll(() => renditionsFetched.has(label), { timeout: 20_000 }).toBe(true);
    }
  });

  test("a text file renamed .mp4 is rejected after upload and nothing is kept", async ({ page, signInAs }, testInfo) => {
    const fake = testInfo.outputPath("notes.mp4");
    fs.writeFileSync(fake, "These are my lesson notes, not a video.\n".repeat(200));
    await signInAs(users.instructor);
    await editLesson(page);
    const uploader = page.getByTestId("video-uploader");
    await uploader.getByLabel("Video file").setInputFiles(fake);
    await uploader.getByRole("button", { name: "Upload", exact: true }).click();
    await expect(uploader.getByRole("alert")).toContainText("not a video");
    await page.reload();
    await expect(page.getByTestId("upload-failed").or(page.getByTestId("video-failed")).first()).toContainText("not a video");
    // The lesson keeps its ready video.
    await expect(page.getByTestId("video-current")).toHaveAttribute("data-status", "READY");
  });

  test("an over-size file is refused before any byte is sent", async ({ page, signInAs }, testInfo) => {
    const big = testInfo.outputPath("huge.mp4");
    const fd = fs.openSync(big, "w");
    fs.ftruncateSync(fd, 6 * 1024 ** 3); // sparse: 6 GB on paper, no disk used
    fs.closeSync(fd);
    const toStorage: string[] = [];
    page.on("request", (r) => {
      if (r.url().startsWith(storageOrigin)) toStorage.push(r.url());
    });
    const starts: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/uploads") && r.method() === "POST") starts.push(r.url());
    });
    await signInAs(users.instructor);
    await editLesson(page);
    const uploader = page.getByTestId("video-uploader");
    await uploader.getByLabel("Video file").setInputFiles(big);
    // Refused as soon as it is picked: the message says why and Upload stays disabled.
    await expect(uploader.getByRole("alert")).toContainText("This file is 6 GB; videos can be at most 5 GB.");
    await expect(uploader.getByRole("button", { name: "Upload", exact: true })).toBeDisabled();
    expect(toStorage).toEqual([]);
    expect(starts).toEqual([]);
  });

  test("an interrupted multipart upload resumes after a reload and stores the right bytes", async ({ page, signInAs }, testInfo) => {
    test.setTimeout(120_000);
    const file = testInfo.outputPath("handout.pdf");
    const bytes = Buffer.concat([Buffer.from("%PDF-1.4\n"), crypto.randomBytes(20 * 1024 * 1024)]);
    fs.writeFileSync(file, bytes);
    const sha = crypto.createHash("sha256").update(bytes).digest("hex");

    await signInAs(users.instructor);
    await editLesson(page);
    // Part 2 never gets through: the upload stalls after parts 1 and 3.
    const partPuts: string[] = [];
    const partTwo = (url: URL) => url.origin === storageOrigin && url.searchParams.get("partNumber") === "2";
    await page.route(partTwo, (route) => route.abort("connectionreset"));
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (u.origin === storageOrigin && r.method() === "PUT" && u.searchParams.get("partNumber")) partPuts.push(u.searchParams.get("partNumber")!);
    });
    let uploader = page.getByTestId("attachment-uploader");
    await uploader.getByLabel("Attachment file").setInputFiles(file);
    await uploader.getByRole("button", { name: "Upload", exact: true }).click();
    await expect.poll(() => partPuts.filter((p) => p === "1" || p === "3").length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => Number(await uploader.getByTestId("upload-progress").getAttribute("data-percent")), { timeout: 30_000 }).toBeGreaterThanOrEqual(60);

    // The network drops for good: reload the page, the connection is back.
    await page.unroute(partTwo);
    await page.reload();
    await expect(page.getByTestId("upload-interrupted")).toBeVisible();
    partPuts.length = 0;
    uploader = page.getByTestId("attachment-uploader");
    await uploader.getByLabel("Attachment file").setInputFiles(file);
    await uploader.getByRole("button", { name: "Upload", exact: true }).click();
    await expect(uploader.getByTestId("upload-status")).toContainText("Attachment added.", { timeout: 60_000 });
    expect(partPuts).toEqual(["2"]); // only the missing part was sent again

    // The stored object is the file, byte for byte (downloaded through the signed edge URL).
    await page.getByTestId("preview-as-student").click();
    const link = page.getByTestId("attachment-link").filter({ hasText: "handout.pdf" });
    const res = await page.request.get((await link.getAttribute("href"))!);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-disposition"]).toContain("handout.pdf");
    expect(crypto.createHash("sha256").update(await res.body()).digest("hex")).toBe(sha);
  });
});
