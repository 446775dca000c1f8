import { e2e } from "../../playwright.config";
import { expect, test } from "./fixtures";
import { signIn } from "./helpers";
import { startAppInstance, type AppInstance } from "./support/instance";

/**
 * Several app instances behind one load balancer: everything they must share lives in
 * PostgreSQL (sessions are JWTs, rate limits and jobs in tables, uploads in storage). Instance
 * A is the e2e server; B is a second production instance (server/main.ts) on another port over
 * the same database and storage. Cookies for `localhost` are shared across ports, like cookies
 * of one site behind a load balancer.
 */
const A = e2e.appUrl;
const B = e2e.secondAppUrl;

test.describe.configure({ mode: "serial" });

test.describe("two app instances over one database and one storage", () => {
  let b: AppInstance;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    b = await startAppInstance(e2e.secondAppPort);
  });

  test.afterAll(async () => {
    await b.stop();
  });

  test("sign in on A and use the session on B; enrol on B and see it on A", async ({ page, factories }) => {
    const password = "instances-pass-42";
    const student = await factories.createUser({ password });
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor, isFree: true, lessons: 2 });

    await signIn(page, student.email, password); // the form, on A
    await page.goto(`${B}/dashboard`);
    await expect(page.getByTestId("signed-in-as")).toContainText(student.name);

    await page.goto(`${B}/courses/${course.slug}`);
    await page.getByTestId("enroll").click();
    await expect(page.getByTestId("enrolled-badge")).toBeVisible();

    await page.goto(`${A}/dashboard`);
    await expect(page.getByTestId("dashboard-course").filter({ hasText: course.title })).toBeVisible();
  });

  test("an upload started on A is completed on B", async ({ page, factories, signInAs }) => {
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor, lessons: 1 });
    await signInAs(instructor);
    const pdf = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(2048, 0x20), Buffer.from("\n%%EOF\n")]);
    const started = await page.request.post(`${A}/api/uploads`, {
      headers: { Origin: A },
      data: { courseId: course.id, lessonId: course.lessons[0].id, kind: "ATTACHMENT", fileName: "worksheet.pdf", contentType: "application/pdf", bytes: pdf.length },
    });
    expect(started.status()).toBe(201);
    const upload = await started.json();
    expect(upload.transfer.method).toBe("PUT");
    const put = await fetch(upload.transfer.url, { method: "PUT", headers: upload.transfer.headers, body: pdf });
    expect(put.status).toBe(200);

    const completed = await page.request.post(`${B}/api/uploads/${upload.uploadId}/complete`, { headers: { Origin: A }, data: {} });
    expect(completed.status()).toBe(200);
    expect((await completed.json()).asset).toMatchObject({ id: upload.assetId, kind: "ATTACHMENT", status: "READY", bytes: pdf.length });
  });

  test("200 concurrent progress writes split across both instances lose nothing", async ({ page, factories, signInAs }) => {
    test.setTimeout(120_000);
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor, lessons: 200 });
    const student = await factories.createUser();
    await factories.enrol(student, course, "active");
    await signInAs(student);
    const results = await Promise.all(
      course.lessons.map((lesson, i) =>
        page.request.post(`${i % 2 ? B : A}/api/lessons/${lesson.id}/progress`, { headers: { Origin: A }, data: { completed: true } }).then((r) => r.status()),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(200);
    expect(await factories.completedLessons(student, course)).toBe(200);
  });

  test("SIGTERM drains: requests in flight finish, new connections are refused, the process exits 0", async ({ factories }) => {
    test.setTimeout(60_000);
    const instructor = await factories.createUser({ role: "INSTRUCTOR" });
    const course = await factories.createCourse({ instructor, isFree: true, lessons: 3 });
    const inFlight = Array.from({ length: 20 }, () => fetch(`${B}/courses/${course.slug}`).then((r) => r.status));
    await new Promise((r) => setTimeout(r, 100)); // all 20 sent; most still rendering
    b.child.kill("SIGTERM");
    expect(await Promise.all(inFlight)).toEqual(Array(20).fill(200));
    expect(await b.exited).toBe(0);
    await expect(fetch(`${B}/api/health`)).rejects.toThrow();
    expect(b.log.join("")).toMatch(/draining \d+ request/);
  });
});
