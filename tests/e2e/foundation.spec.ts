import { expect, test } from "./fixtures";
import { openCourse, openStudents, revokeAccess, screenshot, signOut, signUp, uniqueEmail } from "./helpers";

const stamp = () => Date.now().toString(36);

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

  test("sign-up and sign-in errors are clear", async ({ page, factories }) => {
    const existing = await factories.createUser({ password: "existing-pass-42" });
    await page.goto("/signup");
    await page.getByLabel("Name").fill("Weak");
    await page.getByLabel("Email").fill(uniqueEmail("weak"));
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.locator('[data-field-error="password"]')).toContainText("at least 10");

    await page.getByLabel("Email").fill(existing.email);
    await page.getByLabel("Password").fill("a-strong-pass-42");
    await page.getByRole("button", { name: "Create account" }).click();
    // The refusal does not say that the email has an account.
    await expect(page.locator("main").getByRole("alert").first()).toContainText("We could not create an account with these details. If you signed up before, sign in instead.");

    await page.goto("/signin");
    await page.getByLabel("Email").fill(existing.email);
    await page.getByLabel("Password").fill("wrong-password-1");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.locator("main").getByRole("alert")).toHaveText("Wrong email or password.");
  });
});

test.describe("access control", () => {
  test("free previews open for anyone; paid lessons show locked in the syllabus", async ({ page, factories, signInAs }) => {
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({
      instructor,
      title: `Previewed Course ${stamp()}`,
      lessons: [
        { title: "A free look around", isFreePreview: true, body: "What this course covers, free for everyone." },
        { title: "Members only" },
      ],
    });
    await signInAs(await factories.createUser()); // enrolled in nothing
    await openCourse(page, course.title);
    const syllabus = page.getByTestId("syllabus");
    await expect(syllabus.getByRole("link", { name: "Members only" })).toHaveCount(0);
    await expect(syllabus.getByTestId("syllabus-lesson").filter({ hasText: "A free look around" })).toContainText("Free preview");
    await syllabus.getByRole("link", { name: "A free look around" }).click();
    await expect(page.getByTestId("lesson-body")).toContainText("free for everyone");
  });

  test("paid lesson: 403 with reason for outsiders, open for the enrolled, gone when expired", async ({ browser, factories, signInAs }) => {
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({
      instructor,
      title: `Paid Course ${stamp()}`,
      lessons: [{ title: "Welcome", isFreePreview: true }, { title: "The paid lesson", body: "Only enrolled students read this sentence." }],
    });
    const [student, outsider, lapsed] = [await factories.createUser(), await factories.createUser(), await factories.createUser()];
    await factories.enrol(student, course, "active");
    await factories.enrol(lapsed, course, "expired");

    // The enrolled student reads the lesson and learns its URL.
    const enrolled = await browser.newPage();
    await signInAs(student, enrolled);
    await openCourse(enrolled, course.title);
    await enrolled.getByTestId("syllabus").getByRole("link", { name: "The paid lesson" }).click();
    await expect(enrolled.getByTestId("lesson-body")).toContainText("Only enrolled students read this sentence.");
    const lessonPath = new URL(enrolled.url()).pathname;

    const outside = await browser.newPage();
    await signInAs(outsider, outside);
    // HTTP 403, and the page still says why and what to do.
    expect((await outside.goto(lessonPath))!.status()).toBe(403);
    await expect(outside.getByTestId("access-denied")).toHaveAttribute("data-reason", "not-enrolled");
    await expect(outside.getByRole("link", { name: "Redeem an access code" })).toBeVisible();
    const html = await (await outside.request.get(lessonPath)).text();
    expect(html).toContain("403 · Access denied");
    expect(html).not.toContain("Only enrolled students read this sentence.");

    const expired = await browser.newPage();
    await signInAs(lapsed, expired);
    await expired.goto(lessonPath);
    await expect(expired.getByTestId("access-denied")).toHaveAttribute("data-reason", "enrollment-expired");
    await expect(expired.getByText("Your access has expired")).toBeVisible();

    const anonymous = await browser.newPage();
    await anonymous.goto(lessonPath);
    await expect(anonymous.getByTestId("access-denied")).toHaveAttribute("data-reason", "unauthenticated");
  });

  test("a revoked enrolment loses access on the next request", async ({ browser, factories, signInAs }) => {
    const teacher = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor: teacher, title: `Revocable Course ${stamp()}`, lessons: [{ title: "Rotating signing keys" }] });
    const revokee = await factories.createUser();
    await factories.enrol(revokee, course, "active");

    const student = await browser.newPage();
    await signInAs(revokee, student);
    await openCourse(student, course.title);
    await student.getByTestId("syllabus").getByRole("link", { name: "Rotating signing keys" }).click();
    await expect(student.getByTestId("lesson-body")).toBeVisible();
    const lessonPath = new URL(student.url()).pathname;

    const instructor = await browser.newPage();
    await signInAs(teacher, instructor);
    await openStudents(instructor, course.title);
    await revokeAccess(instructor, revokee.email);

    await student.goto(lessonPath);
    await expect(student.getByTestId("access-denied")).toHaveAttribute("data-reason", "enrollment-revoked");
  });

  test("a student cannot open the instructor area", async ({ page, factories, signInAs }) => {
    await signInAs(await factories.createUser());
    await page.goto("/instructor");
    await expect(page.getByTestId("access-denied")).toContainText("for instructors");
  });
});

test.describe("access codes", () => {
  test("a code works once and is refused beyond its max uses", async ({ browser, factories, signInAs }) => {
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor, title: `Coded Course ${stamp()}` });
    const { code } = await factories.createAccessCode(course, { code: `ONCE-${stamp()}`, maxUses: 1 });

    const first = await browser.newPage();
    await signInAs(await factories.createUser(), first);
    await first.goto("/redeem");
    await first.getByLabel("Access code").fill(code.toLowerCase()); // codes are case-insensitive
    await first.getByRole("button", { name: "Redeem" }).click();
    await expect(first.getByText("Access code accepted: you are enrolled.")).toBeVisible();
    await expect(first.getByTestId("enrolled-badge")).toBeVisible();

    const second = await browser.newPage();
    await signInAs(await factories.createUser(), second);
    await second.goto("/redeem");
    await second.getByLabel("Access code").fill(code);
    await second.getByRole("button", { name: "Redeem" }).click();
    // Used up and unknown codes get the same answer.
    const invalid = "This code is not valid. Check it, or ask the instructor for a new one.";
    await expect(second.locator("main").getByRole("alert")).toHaveText(invalid);

    await second.getByLabel("Access code").fill("NOT-A-CODE");
    await second.getByRole("button", { name: "Redeem" }).click();
    await expect(second.locator("main").getByRole("alert")).toHaveText(invalid);
  });

  test("an instructor creates a generated code; a student redeems it typed loosely; a grant to an unknown email waits as an invitation", async ({
    browser,
    factories,
    signInAs,
  }) => {
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor, title: `Generated Codes ${stamp()}` });
    const teacher = await browser.newPage();
    await signInAs(instructor, teacher);
    await openStudents(teacher, course.title);
    // A chosen prefix that is not letters and digits: refused, what was typed is kept.
    await teacher.getByLabel("Prefix (optional)").fill("spring 26");
    await teacher.getByRole("button", { name: "Create code" }).click();
    await expect(teacher.locator('[data-field-error="prefix"]')).toContainText("letters and digits");
    await expect(teacher.getByLabel("Prefix (optional)")).toHaveValue("spring 26");
    await teacher.getByLabel("Prefix (optional)").fill("spring26");
    await teacher.getByLabel("Max uses").fill("3");
    await teacher.getByRole("button", { name: "Create code" }).click();
    const row = teacher.getByTestId("access-code-row").first();
    await expect(row).toBeVisible();
    const code = (await row.getAttribute("data-code"))!;
    expect(code).toMatch(/^SPRING26(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    await expect(teacher.getByTestId("code-form").getByRole("status")).toContainText(`Code ${code} created.`);
    await expect(teacher.getByLabel("Prefix (optional)")).toHaveValue(""); // the form is cleared for the next one

    const student = await browser.newPage();
    await signInAs(await factories.createUser(), student);
    await student.goto("/redeem");
    await student.getByLabel("Access code").fill(` ${code.toLowerCase().replace(/-/g, " ")} `);
    await student.getByRole("button", { name: "Redeem" }).click();
    await expect(student.getByTestId("enrolled-badge")).toBeVisible();

    const invitee = `invitee-${stamp()}@example.com`;
    await teacher.getByLabel("Student email").fill(invitee);
    await teacher.getByRole("button", { name: "Grant access" }).click();
    await expect(teacher.getByTestId("grant-form").getByRole("status")).toContainText(`Access granted to ${invitee}.`);
    const invitation = teacher.getByTestId("invitation-row").filter({ hasText: invitee });
    await expect(invitation).toBeVisible();
    await invitation.getByRole("button", { name: "Cancel invitation" }).click();
    await expect(invitation).toHaveCount(0);
  });
});

test.describe("instructor", () => {
  test("creates and publishes a course that then appears in the catalogue", async ({ page, factories, signInAs }) => {
    await signInAs(await factories.createUser({ role: "INSTRUCTOR" }));
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
