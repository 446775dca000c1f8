import { spawn } from "node:child_process";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseResultLine, SMOKE_CHECKS, type CheckResult } from "../../lib/ops/smoke/results";
import { e2e } from "../../playwright.config";
import { expect, test } from "./fixtures";

/**
 * `npm run smoke` (scripts/smoke.ts), the check an operator runs after a deploy, run here as a
 * child process against the e2e stack so it never rots: the app, the local edge as the media
 * origin, and the storage server as the "bucket" (it refuses anonymous reads like a private
 * bucket, lib/storage/embedded.ts).
 */

// The e2e stack does not set S3_BUCKET: lib/config/schema.ts's default.
const BUCKET = process.env.S3_BUCKET ?? "media";
const storageEndpoint = `http://127.0.0.1:${e2e.storagePort}`;
const PUBLIC_KEY = "public/smoke/hello.txt";

function runSmoke(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS; // not Playwright's loader: the script runs with tsx like any command
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", "smoke", "--", ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

function results(stdout: string): Map<string, CheckResult> {
  const out = new Map<string, CheckResult>();
  for (const line of stdout.split("\n")) {
    const r = parseResultLine(line);
    if (r) out.set(r.name, r);
  }
  return out;
}

test.describe("smoke check (npm run smoke)", () => {
  test("passes against the local stack: every check PASS except HTTPS, SKIPPED on http", async ({ factories }, testInfo) => {
    test.setTimeout(120_000);
    // A test account as an operator would create one: a password, enrolled in a course with a video.
    const password = "smoke-check-password-1";
    const student = await factories.createUser({ password });
    await factories.enrol(student, await factories.findCourse("cloud-security"), "active");
    // Something under public/: the media origin serves it unsigned.
    const s3 = new S3Client({
      endpoint: storageEndpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: PUBLIC_KEY, Body: "hello", ContentType: "text/plain" }));
    s3.destroy();

    const started = Date.now();
    const run = await runSmoke(
      [
        "--app", e2e.appUrl,
        "--media", e2e.edgeUrl,
        "--bucket-url", `${storageEndpoint}/${BUCKET}/`,
        "--email", student.email,
        "--public-path", `/${PUBLIC_KEY}`,
        "--insecure-http-ok",
      ],
      { SMOKE_PASSWORD: password },
    );
    await testInfo.attach("smoke output", { body: `${run.stdout}\n${run.stderr}`, contentType: "text/plain" });
    console.log(run.stdout);
    const byName = results(run.stdout);
    expect([...byName.keys()], run.stdout + run.stderr).toEqual([...SMOKE_CHECKS]);
    for (const name of SMOKE_CHECKS) {
      const r = byName.get(name)!;
      expect(`${r.outcome} ${name} — ${r.detail}`).toMatch(name === "https-redirect" ? /^SKIP / : /^PASS /);
    }
    expect(byName.get("https-redirect")!.detail).toContain("--insecure-http-ok");
    // The checks used real objects, not made-up paths.
    expect(byName.get("unsigned-media")!.detail).toContain("(objects that exist)");
    expect(byName.get("bucket-private")!.detail).toMatch(/403 AccessDenied \(an object that exists\)/);
    expect(byName.get("signed-cookies")!.detail).toMatch(/CloudFront-Key-Pair-Id, CloudFront-Policy, CloudFront-Signature/);
    expect(byName.get("expired")!.detail).toMatch(/403 AccessDenied for poster, .*playlist with the cookies/);
    expect(run.stdout).toMatch(/^# 11 passed, 0 failed, 1 skipped$/m);
    expect(run.code).toBe(0);
    // The e2e stream lifetime is 12 s: the expiry wait stays short.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  test("exits non-zero when a check fails (http URLs without --insecure-http-ok)", async () => {
    const run = await runSmoke(["--app", e2e.appUrl, "--media", e2e.edgeUrl]);
    const byName = results(run.stdout);
    expect(byName.get("https-redirect")?.outcome, run.stdout).toBe("FAIL");
    expect(byName.get("unsigned-media")?.outcome).toBe("PASS");
    expect(byName.get("signed-url")?.outcome).toBe("SKIP");
    expect(run.code).toBe(1);
  });
});
