import { e2e } from "../../playwright.config";
import { expect, test } from "./fixtures";

/** Web hardening of the app's responses (proxy.ts, lib/http/security-headers.ts) and of media responses (edge). */
test.describe("security headers", () => {
  test("pages carry a nonce CSP that forbids framing, a strict referrer policy and nosniff", async ({ page }) => {
    const first = await page.goto("/courses");
    const csp = first!.headers()["content-security-policy"];
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(new URL(e2e.edgeUrl).origin);
    expect(first!.headers()["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(first!.headers()["x-content-type-options"]).toBe("nosniff");
    expect(first!.headers()["x-frame-options"]).toBe("DENY");
    // A fresh nonce per response, and it is the one on the page's scripts.
    const second = await page.goto("/courses");
    const nonceOf = (policy: string) => /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonceOf(second!.headers()["content-security-policy"])).not.toBe(nonceOf(csp));
    const scriptNonces = await page.locator("script[src]").evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
    expect(scriptNonces.length).toBeGreaterThan(0);
    expect(new Set(scriptNonces)).toEqual(new Set([nonceOf(second!.headers()["content-security-policy"])]));
  });

  test("the pages cannot be framed by another site", async ({ browser }) => {
    // Any other document (here about:blank with a frame of the app) is refused.
    const page = await browser.newPage();
    const appResponse = page.waitForResponse((r) => r.url() === `${e2e.appUrl}/courses`);
    await page.setContent(`<iframe id="f" src="${e2e.appUrl}/courses"></iframe>`);
    // The app answered the frame's request, but the browser refused to render it there.
    expect((await appResponse).headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    await expect.poll(() => page.frames().map((f) => f.url())).toContain("chrome-error://chromewebdata/");
    expect(page.frames().some((f) => f.url().startsWith(e2e.appUrl))).toBe(false);
    await page.close();
  });

  test("API responses are nosniff and refuse cross-site writes", async ({ request }) => {
    const health = await request.get("/api/health");
    expect(health.headers()["x-content-type-options"]).toBe("nosniff");
    const forged = await request.post("/api/lessons/x/progress", { headers: { Origin: "https://evil.example" }, data: { completed: true } });
    expect(forged.status()).toBe(403);
    expect((await forged.json()).error.message).toMatch(/Cross-site/);
    const simple = await request.post("/api/lessons/x/progress", { headers: { "Content-Type": "text/plain; x=application/json" }, data: '{"completed":true}' });
    expect(simple.status()).toBe(422);
  });
});
