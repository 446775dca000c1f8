import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { enrolledStudent, openLesson } from "./helpers";

// The demo videos are 6 s long with one thumbnail a second (prisma/seed-media.ts, worker/plan.ts).
const COURSE = "Practical Cloud Security";
const LESSON = "Signed URLs and signed cookies";

/** The sprite URL a tile draws from (its CSS background). */
async function spriteUrlOf(strip: Locator): Promise<string> {
  const background = await strip.getByTestId("thumbnail").first().locator("span").first().evaluate((s) => getComputedStyle(s).backgroundImage);
  const url = /^url\("(.+)"\)$/.exec(background)?.[1];
  expect(url, background).toBeTruthy();
  return url!;
}

test.describe("thumbnail strip", () => {
  test("an enrolled student sees the strip under the video and jumps to a moment with it", async ({ page, factories, signInAs }) => {
    await signInAs(await enrolledStudent(factories, "cloud-security"));
    // Both come from the edge with the lesson folder's signed query, the track by a cookie-less fetch.
    const track = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/thumbnails.vtt"));
    const sprite = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/thumbnails.jpg"));
    await openLesson(page, COURSE, LESSON);

    const strip = page.getByTestId("thumbnail-strip");
    await expect(strip).toBeVisible();
    expect((await track).status()).toBe(200);
    expect((await (await track).request().allHeaders()).cookie).toBeUndefined();
    expect((await sprite).status()).toBe(200);
    expect(new URL((await sprite).url()).searchParams.get("Policy")).toBeTruthy();
    // The tiles draw the sprite that came through the edge: a real image (the check runs within the URL's short e2e lifetime).
    await strip.scrollIntoViewIfNeeded();
    const spriteUrl = await spriteUrlOf(strip);
    expect(spriteUrl).toBe((await sprite).url());
    const natural = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      return { width: img.naturalWidth, height: img.naturalHeight };
    }, spriteUrl);
    expect(natural.width).toBeGreaterThan(0);
    expect(natural.height).toBeGreaterThan(0);

    const thumbs = strip.getByRole("button");
    await expect(thumbs).toHaveCount(6);
    await expect(thumbs.first()).toHaveAccessibleName("Jump to 0:00");
    await expect(thumbs.last()).toHaveAccessibleName("Jump to 0:05");
    // Each shows its own tile of the sprite.
    const positions = await strip.locator("[data-testid=thumbnail] > span:first-child").evaluateAll((spans) =>
      spans.map((s) => getComputedStyle(s).backgroundPosition),
    );
    expect(new Set(positions).size).toBe(6);

    const video = page.getByTestId("lesson-video");
    const currentTime = () => video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await expect(page.getByTestId("video-player")).toHaveAttribute("data-ready", "true");

    // Paused: a click moves the playhead to the cue's start and highlights it.
    await strip.getByRole("button", { name: "Jump to 0:04" }).click();
    await expect.poll(currentTime).toBeCloseTo(4, 1);
    await expect(strip.getByRole("button", { name: "Jump to 0:04" })).toHaveAttribute("aria-current", "time");
    expect(await video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);

    // Playing: it keeps playing from there; the keyboard works too.
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await strip.getByRole("button", { name: "Jump to 0:01" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(currentTime).toBeGreaterThanOrEqual(1);
    expect(await currentTime()).toBeLessThan(3);
    await expect.poll(currentTime, { timeout: 15_000 }).toBeGreaterThan(2);
    // The highlight follows the playhead.
    const at = await video.evaluate((v: HTMLVideoElement) => {
      const playing = !v.paused;
      v.pause();
      return { playing, t: v.currentTime };
    });
    expect(at.playing || at.t >= 5.9).toBe(true); // still playing (or played to the end)
    await expect(strip.locator("[aria-current=time]")).toHaveAccessibleName(`Jump to 0:0${Math.min(5, Math.floor(at.t))}`);
  });

  for (const [what, file] of [
    ["track", "thumbnails.vtt"],
    ["sprite", "thumbnails.jpg"],
  ] as const) {
    test(`when the ${what} cannot be loaded there is no strip, and the video still plays`, async ({ page, factories, signInAs }) => {
      await signInAs(await enrolledStudent(factories, "cloud-security"));
      await page.route(
        (url) => url.pathname.endsWith(`/${file}`),
        (route) => route.fulfill({ status: 403, contentType: "text/xml", body: "<Error><Code>AccessDenied</Code></Error>" }),
      );
      const refused = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/${file}`));
      await openLesson(page, COURSE, LESSON);
      expect((await refused).status()).toBe(403);
      await expect(page.getByTestId("video-player")).toHaveAttribute("data-ready", "true");
      await expect(page.getByTestId("thumbnail-strip")).toHaveCount(0);
      await expect(page.getByTestId("player-error")).toHaveCount(0);
    });
  }

  test("the sprite is refused by the edge without the lesson's signature, and a non-enrolled student gets none", async ({ browser, page, factories, signInAs }) => {
    await signInAs(await enrolledStudent(factories, "cloud-security"));
    await openLesson(page, COURSE, LESSON);
    const strip = page.getByTestId("thumbnail-strip");
    await expect(strip).toBeVisible();
    const signed = await spriteUrlOf(strip);
    // The signed URL itself works, even without the page's cookies (so the refusals below are not a broken edge).
    const fresh = await browser.newContext();
    expect((await fresh.request.get(signed)).status()).toBe(200);
    await fresh.close();
    const lessonPath = new URL(page.url()).pathname;
    const unsigned = new URL(signed);
    unsigned.search = "";
    const tampered = new URL(signed);
    tampered.searchParams.set("Signature", `${tampered.searchParams.get("Signature")!.slice(0, -4)}AAAA`);

    const outsider = await browser.newPage();
    try {
      await signInAs(await factories.createUser(), outsider);
      // Not enrolled: the lesson page is refused and names no thumbnails.
      const html = await (await outsider.request.get(lessonPath)).text();
      expect(html).toContain("403 · Access denied");
      expect(html).not.toContain("thumbnails.");
      // Straight to the edge: no signature, or a forged one, is refused.
      const direct = await outsider.request.get(unsigned.toString());
      expect(direct.status()).toBe(403);
      expect(await direct.text()).toContain("<Code>MissingKey</Code>");
      const forged = await outsider.request.get(tampered.toString());
      expect(forged.status()).toBe(403);
    } finally {
      await outsider.close();
    }
  });
});
