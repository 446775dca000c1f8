import { expect, test } from "@playwright/test";
import { grantAccess, openCourse, revokeAccess, screenshot, signIn, signOut, signUp, uniqueEmail, users } from "./helpers";

test.describe("learner journey", () => {
  test("sign up, enrol in the free course, complete a lesson, see progress", async ({ page }, testInfo) => {
    await page.goto("/courses");
    await expect(page.getByTestId("course-card")).toHaveCount(3);
    await screenshot(page, testInfo, "catalogue");

    await signUp(page, "Playwright Learner", uniqueEmail("learner"));
    await openCourse(page, "Getting Started with SQL");
    await page.getByTestId("enroll").click();
    await expect(page.getByTestId("enrolled-badge")).toBeVisible();
    await screenshot(page, testInfo, "course-page");

    await page.getByTestId("syllabus").getByRole("link", { name: "Your first SELECT" }).click();
    await expect(page.getByTestId("lesson-title")).toHaveText("Your first SELECT");
    await expect(page.getByTestId("lesson-body")).toContainText("the SELECT statement");
    await page.getByTestId("mark-complete").click();
    await expect(page.getByTestId("lesson-completed")).toBeVisible();
    await screenshot(page, testInfo, "lesson-page");

    await page.getByRole("link", { name: "My learning" }).click();
    const card = page.getByTestId("dashboard-course").filter({ hasText: "Getting Started with SQL" });
    await expect(card.getByTestId("dashboard-progress")).toHaveText("1 of 4 lessons complete (25%)");
  });

  test("sign-up and sign-in errors are clear", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Name").fill("Weak");
    await page.getByLabel("Email").fill(uniqueEmail("weak"));
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator('[data-field-error="password"]')).toContainText("at least 10");

    await page.getByLabel("Email").fill(users.student);
    await page.getByLabel("Password").fill("a-strong-pass-42");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator("main").getByRole("alert").first()).toContainText("already exists");

    await page.goto("/signin");
    await page.getByLabel("Email").fill(users.student);
    await page.getByLabel("Password").fill("wrong-password-1");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.locator("main").getByRole("alert")).toHaveText("Wrong email or password.");
  });
});

test.describe("access control", () => {
  test("free previews open for anyone; paid lessons show locked in the syllabus", async ({ page }) => {
    await signIn(page, users.newcomer);
    await openCourse(page, "Practical Cloud Security");
    const syllabus = page.getByTestId("syllabus");
    await expect(syllabus.getByRole("link", { name: "Signed URLs and signed cookies" })).toHaveCount(0);
    await expect(syllabus.getByTestId("syllabus-lesson").filter({ hasText: "Why public buckets leak" })).toContainText("Free preview");
    await syllabus.getByRole("link", { name: "Why public buckets leak" }).click();
    await expect(page.getByTestId("lesson-body")).toContainText("public bucket incidents");
  });

  test("paid lesson: 403 with reason for outsiders, open for the enrolled, gone when expired", async ({ browser }) => {
    // The enrolled student reads the lesson and learns its URL.
    const enrolled = await browser.newPage();
    await signIn(enrolled, users.student);
    await openCourse(enrolled, "Practical Cloud Security");
    await enrolled.getByTestId("syllabus").getByRole("link", { name: "Signed URLs and signed cookies" }).click();
    await expect(enrolled.getByTestId("lesson-body")).toContainText("CloudFront signed URLs and cookies");
    const lessonPath = new URL(enrolled.url()).pathname;

    const outsider = await browser.newPage();
    await signIn(outsider, users.newcomer);
    await outsider.goto(lessonPath);
    await expect(outsider.getByTestId("access-denied")).toHaveAttribute("data-reason", "not-enrolled");
    await expect(outsider.getByRole("link", { name: "Redeem an access code" })).toBeVisible();
    const html = await (await outsider.request.get(lessonPath)).text();
    expect(html).toContain("403 · Access denied");
    expect(html).not.toContain("CloudFront signed URLs and cookies");

    const expired = await browser.newPage();
    await signIn(expired, users.expired);
    await expired.goto(lessonPath);
    await expect(expired.getByTestId("access-denied")).toHaveAttribute("data-reason", "enrollment-expired");
    await expect(expired.getByText("Your access has expired")).toBeVisible();

    const anonymous = await browser.newPage();
    await anonymous.goto(lessonPath);
    await expect(anonymous.getByTestId("access-denied")).toHaveAttribute("data-reason", "unauthenticated");
  });

  test("a revoked enrolment loses access on the next request", async ({ browser }) => {
    const email = uniqueEmail("revokee");
    const student = await browser.newPage();
    await signUp(student, "Revokee", email);

    const instructor = await browser.newPage();
    await signIn(instructor, users.instructor);
    await grantAccess(instructor, "Practical Cloud Security", email);

    await openCourse(student, "Practical Cloud Security");
    await student.getByTestId("syllabus").getByRole("link", { name: "Rotating signing keys" }).click();
    await expect(student.getByTestId("lesson-body")).toBeVisible();
    const lessonPath = new URL(student.url()).pathname;

    await revokeAccess(instructor, email);

    await student.goto(lessonPath);
    await expect(student.getByTestId("access-denied")).toHaveAttribute("data-reason", "enrollment-revoked");
  });

  test("a student cannot open the instructor area", async ({ page }) => {
    await signIn(page, users.student);
    await page.goto("/instructor");
    await expect(page.getByTestId("access-denied")).toContainText("for instructors");
  });
});

test.describe("access codes", () => {
  test("a code works once and is refused beyond its max uses", async ({ browser }) => {
    const first = await browser.newPage();
    await signUp(first, "First Redeemer", uniqueEmail("redeem1"));
    await first.goto("/redeem");
    await first.getByLabel("Access code").fill("video-once");
    await first.getByRole("button", { name: "Redeem" }).click();
    await expect(first.getByText("Access code accepted: you are enrolled.")).toBeVisible();
    await expect(first.getByTestId("enrolled-badge")).toBeVisible();

    const second = await browser.newPage();
    await signUp(second, "Second Redeemer", uniqueEmail("redeem2"));
    await second.goto("/redeem");
    await second.getByLabel("Access code").fill("VIDEO-ONCE");
    await second.getByRole("button", { name: "Redeem" }).click();
    await expect(second.locator("main").getByRole("alert")).toContainText("maximum number of times");

    await second.getByLabel("Access code").fill("NOT-A-CODE");
    await second.getByRole("button", { name: "Redeem" }).click();
    await expect(second.locator("main").getByRole("alert")).toContainText("does not exist");
  });
});

test.describe("instructor", () => {
  test("creates and publishes a course that then appears in the catalogue", async ({ page }) => {
    await signIn(page, users.instructor);
    await page.goto("/instructor/courses/new");
    const title = `Playwright Course ${Date.now().toString(36)}`;
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("URL slug").fill(`pw-${Date.now().toString(36)}`);
    await page.getByLabel("Summary").fill("A course created by the end-to-end tests.");
    await page.getByLabel("Free course").check();
    await page.getByRole("button", { name: "Create course" }).click();

    await expect(page.getByRole("button", { name: "Publish", exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await expect(page.locator("main").getByRole("alert").first()).toContainText("at least one lesson");

    await page.getByLabel("Section title").fill("Getting started");
    await page.getByRole("button", { name: "Add section" }).click();
    await expect(page.getByTestId("section")).toHaveCount(1);
    await page.getByLabel("Lesson title").fill("Welcome");
    await page.getByRole("button", { name: "Add lesson" }).click();
    await expect(page.getByTestId("lesson-row")).toHaveCount(1);
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await expect(page.getByRole("button", { name: "Unpublish" })).toBeVisible();

    await signOut(page);
    await page.goto("/courses");
    await expect(page.getByTestId("course-card").filter({ hasText: title })).toBeVisible();
  });
});
