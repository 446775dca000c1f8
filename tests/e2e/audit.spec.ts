import { expect, test } from "./fixtures";
import { enrolledStudent, openLesson, playAndAdvance, users } from "./helpers";

/** The access audit log (ADR 047) as a course's instructor sees it. */
test.describe("access log", () => {
  test("an instructor sees a student's viewing in the course's access log; other accounts are refused", async ({ browser, factories, signInAs }) => {
    const student = await enrolledStudent(factories, "cloud-security");
    const watching = await browser.newPage();
    await signInAs(student, watching);
    await openLesson(watching, "Practical Cloud Security", "Signed URLs and signed cookies");
    await playAndAdvance(watching);
    const userAgent = await watching.evaluate(() => navigator.userAgent);

    const instructor = await browser.newPage();
    await signInAs(users.instructor, instructor);
    const course = await factories.findCourse("cloud-security");
    await instructor.goto(`/instructor/courses/${course.id}`);
    await instructor.getByRole("link", { name: "Access log" }).click();
    await expect(instructor.getByRole("heading", { level: 1, name: "Access log" })).toBeVisible();
    await instructor.getByLabel("Student email").fill(student.email);
    await instructor.getByRole("button", { name: "Filter" }).click();
    await expect(instructor).toHaveURL(/[?&]user=/);

    const rows = instructor.getByTestId("access-event");
    const player = rows.filter({ has: instructor.getByText("Video player") });
    await expect(player).toHaveCount(1);
    await expect(player).toContainText(student.email);
    await expect(player).toContainText("Signed URLs and signed cookies");
    await expect(player).toContainText("Granted");
    await expect(player).toContainText("127.0.0.1");
    await expect(player.locator("td").last()).toHaveAttribute("title", userAgent);
    // The player asked for stream cookies; the page signed the captions and the worksheet. The
    // lessons it only linked to (no prefetch) were not rendered, so nothing else was recorded.
    await expect(rows.filter({ has: instructor.getByText("Stream cookies") }).first()).toContainText("enrolled");
    await expect(rows.filter({ has: instructor.getByText("Captions") })).toHaveCount(1);
    await expect(rows.filter({ has: instructor.getByText("Download") })).toHaveCount(1);
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-email"))))).toEqual(new Set([student.email]));
    await expect(rows.filter({ hasText: "Why public buckets leak" })).toHaveCount(0);

    // Another instructor, and the student, get the 403 panel and none of the log.
    const outsider = await browser.newPage();
    await signInAs(await factories.createUser({ role: "INSTRUCTOR" }), outsider);
    for (const page of [outsider, watching]) {
      await page.goto(`/instructor/courses/${course.id}/access`);
      await expect(page.getByTestId("access-denied")).toBeVisible();
      await expect(page.getByText("403 · Access denied")).toBeVisible();
      await expect(page.getByTestId("access-event")).toHaveCount(0);
    }
    expect(await outsider.content()).not.toContain(student.email);
    // An unknown course is a 404.
    expect((await outsider.goto("/instructor/courses/no-such-course/access"))?.status()).toBe(404);
  });
});
