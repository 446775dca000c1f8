import { e2e } from "../../playwright.config";
import { addSessionCookie, expect, mintSessionToken, test } from "./fixtures";
import { signIn, signOut } from "./helpers";

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
