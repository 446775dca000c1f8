import { e2e } from "../../playwright.config";
import { addSessionCookie, expect, mintSessionToken, test } from "./fixtures";
import { openLesson, playAndAdvance, signIn, signOut } from "./helpers";

test.describe("sessions", () => {
  test("signs in and out through the forms", async ({ page, factories }) => {
    const user = await factories.createUser({ name: "Form Signer", password: "form-password-42" });
    await signIn(page, user.email, "form-password-42");
    await expect(page.getByTestId("signed-in-as")).toContainText("Form Signer");
    await signOut(page);
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fdashboard/);
  });

  test("a minted session cookie is accepted by the server (signInAs fixture)", async ({ page, factories, signInAs }) => {
    const auth: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/api/auth/callback")) auth.push(r.url());
    });
    // No password: the cookie is the only way in.
    const student = await factories.createUser({ name: "Minted Student" });
    await signInAs(student);
    await page.goto("/dashboard");
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByTestId("signed-in-as")).toHaveText(/Minted Student\s*\(student\)/);

    // The role claim is what the proxy reads for /instructor; the page re-reads the user.
    const instructor = await factories.createUser({ role: "INSTRUCTOR", name: "Minted Instructor" });
    const other = await page.context().browser()!.newPage();
    await signInAs(instructor.email, other);
    await other.goto("/instructor");
    await expect(other.getByRole("heading", { name: "Your courses" })).toBeVisible();
    await expect(other.getByTestId("signed-in-as")).toContainText("Minted Instructor");
    await other.close();
    expect(auth).toEqual([]);
  });

  test("a cookie minted with another secret is refused", async ({ page, factories }) => {
    const user = await factories.createUser();
    await addSessionCookie(page.context(), await mintSessionToken(user, "not-the-server-secret-0123456789-abcdef"));
    await page.goto("/dashboard");
    await expect(page).toHaveURL(new RegExp(`^${e2e.appUrl}/signin`));
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  });
});

test.describe("accounts and sessions", () => {
  test("an admin disables a student who is watching: the next page load is signed out and the media refresh answers 401", async ({
    browser,
    factories,
    signInAs,
  }) => {
    const viewer = await factories.createUser({ name: "Watching Student", password: "watching-pass-42" });
    await factories.enrol(viewer, await factories.findCourse("cloud-security"), "active");
    const student = await browser.newPage();
    await signInAs(viewer, student);
    await openLesson(student, "Practical Cloud Security", "Signed URLs and signed cookies");
    await playAndAdvance(student);
    const lessonPath = new URL(student.url()).pathname;
    const lessonId = lessonPath.split("/").pop()!;

    const admin = await browser.newPage();
    await signInAs(await factories.createUser({ role: "ADMIN" }), admin);
    await admin.goto("/courses");
    await admin.getByRole("link", { name: "Users" }).click();
    await admin.getByLabel("Search users by email or name").fill(viewer.email);
    await admin.getByRole("button", { name: "Search" }).click();
    const row = admin.getByTestId("user-row").filter({ hasText: viewer.email });
    await expect(row).toHaveAttribute("data-disabled", "false");
    admin.once("dialog", (d) => d.accept());
    await row.getByRole("button", { name: "Disable" }).click();
    await expect(row).toHaveAttribute("data-disabled", "true");

    // The player's next cookie refresh (every ~9 s with the e2e TTL) is refused: 401, playback stops.
    const refresh = await student.waitForResponse((r) => r.url().endsWith(`/api/lessons/${lessonId}/media-session`), { timeout: 20_000 });
    expect(refresh.status()).toBe(401);
    await expect(student.getByTestId("player-error")).toContainText("Sign in");
    const direct = await student.request.post(`/api/lessons/${lessonId}/media-session`, { headers: { origin: e2e.appUrl } });
    expect(direct.status()).toBe(401);

    // The next page load: signed out.
    await student.goto(lessonPath);
    await expect(student.getByTestId("access-denied")).toHaveAttribute("data-reason", "unauthenticated");
    await expect(student.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
    await expect(student.getByTestId("signed-in-as")).toHaveCount(0);

    // Signing in again is refused with a clear message; enabled again, it works.
    await student.goto("/signin");
    await student.getByLabel("Email").fill(viewer.email);
    await student.getByLabel("Password").fill("watching-pass-42");
    await student.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(student.locator("main").getByRole("alert")).toContainText("This account is disabled");
    await row.getByRole("button", { name: "Enable" }).click();
    await expect(row).toHaveAttribute("data-disabled", "false");
    await signIn(student, viewer.email, "watching-pass-42");
  });

  test("a role change ends the session; 'sign out of all devices' ends every session of the account", async ({ browser, factories, signInAs }) => {
    const user = await factories.createUser({ name: "Two Devices" });
    const [laptop, phone] = [await browser.newPage(), await browser.newPage()];
    await signInAs(user, laptop);
    await signInAs(user, phone);
    await laptop.goto("/account");
    await expect(laptop.getByTestId("account-profile")).toContainText(user.email);
    laptop.once("dialog", (d) => d.accept());
    await laptop.getByTestId("sign-out-everywhere").click();
    await expect(laptop).toHaveURL(/\/signin\?notice=signed-out-everywhere/);
    await expect(laptop.getByText("You were signed out on all devices.")).toBeVisible();
    await phone.goto("/dashboard");
    await expect(phone).toHaveURL(/\/signin\?callbackUrl=%2Fdashboard/);

    // Role change: the session issued for the old role ends.
    await signInAs(user, phone);
    await phone.goto("/dashboard");
    await expect(phone.getByTestId("signed-in-as")).toContainText("Two Devices");
    const admin = await browser.newPage();
    await signInAs(await factories.createUser({ role: "ADMIN" }), admin);
    await admin.goto(`/admin/users?q=${encodeURIComponent(user.email)}`);
    const row = admin.getByTestId("user-row").filter({ hasText: user.email });
    await row.getByLabel(`Role of ${user.email}`).selectOption("INSTRUCTOR");
    await row.getByRole("button", { name: "Change role" }).click();
    await expect(row).toHaveAttribute("data-role", "INSTRUCTOR");
    await phone.goto("/dashboard");
    await expect(phone).toHaveURL(/\/signin/);

    // Only admins see the user administration.
    await phone.goto("/admin/users");
    await expect(phone).toHaveURL(/\/signin/);
    await signInAs(user, phone); // now an instructor, not an admin
    await phone.goto("/admin/users");
    await expect(phone.getByTestId("access-denied")).toContainText("Only administrators");
  });
});
