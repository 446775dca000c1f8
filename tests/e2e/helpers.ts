import { expect, type Page, type TestInfo } from "@playwright/test";
import type { RemoteFactories } from "./fixtures";

export const DEMO_PASSWORD = "demo-password-1";
/** Demo logins (prisma/seed-data.ts): for tests that use the demo courses' transcoded media. */
export const users = {
  admin: "admin@example.com",
  instructor: "instructor@example.com",
  student: "student@example.com",
  newcomer: "newcomer@example.com",
  expired: "expired@example.com",
};

/**
 * Signs in through the form. Only for tests whose subject is signing in: every other test signs
 * in with the `signInAs` fixture (tests/e2e/fixtures.ts).
 */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
}

let counter = 0;
export function uniqueEmail(prefix: string) {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}

export async function signUp(page: Page, name: string, email: string, password = "a-strong-pass-42") {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("signed-in-as")).toContainText(name);
}

/** Saves a full-page screenshot as a named test artifact. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** Opens a course page by its title from the catalogue and returns its path. */
export async function openCourse(page: Page, title: string) {
  await page.goto("/courses");
  await page.getByTestId("course-card").filter({ hasText: title }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  return new URL(page.url()).pathname;
}

/** As a course's instructor (already signed in on `page`), opens the course's Students page. */
export async function openStudents(page: Page, courseTitle: string) {
  await page.goto("/instructor");
  await page.getByTestId("instructor-course").filter({ hasText: courseTitle }).getByRole("link", { name: /Students/ }).click();
  await expect(page.getByLabel("Student email")).toBeVisible();
}

/** On a course's Students page, revokes `email`'s enrolment (accepting the confirmation) and waits for it to show as revoked. */
export async function revokeAccess(page: Page, email: string) {
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("enrollment-row").filter({ hasText: email }).getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByTestId("enrollment-row").filter({ hasText: email })).toHaveAttribute("data-status", "REVOKED");
}

/**
 * A fresh student enrolled in a demo course. The demo courses are used here for their media (the
 * seed transcoded real videos with captions and worksheets); who is enrolled is up to the test.
 */
export async function enrolledStudent(factories: RemoteFactories, courseSlug: string) {
  const student = await factories.createUser();
  await factories.enrol(student, await factories.findCourse(courseSlug), "active");
  return student;
}

/** Opens a lesson of a course (by titles) from the catalogue. */
export async function openLesson(page: Page, course: string, lesson: string) {
  await openCourse(page, course);
  await page.getByTestId("syllabus").getByRole("link", { name: lesson }).click();
  await expect(page.getByTestId("lesson-title")).toHaveText(lesson);
}

/** Waits for the lesson's player, starts it (muted) and waits until it has played a second. */
export async function playAndAdvance(page: Page) {
  const video = page.getByTestId("lesson-video");
  await expect(page.getByTestId("video-player")).toHaveAttribute("data-ready", "true");
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
}
