import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, securityHeaders, storageOriginsOf } from "@/lib/http/security-headers";

const base = {
  nonce: "bm9uY2Ux",
  mediaOrigin: "https://media.example.com",
  storageOrigins: storageOriginsOf({ endpoint: undefined, bucket: "acme-media", region: "eu-west-1" }),
  github: false,
  development: false,
  https: true,
};

const directive = (csp: string, name: string) => csp.split("; ").find((d) => d === name || d.startsWith(`${name} `));

describe("security headers of pages", () => {
  it("scripts only with this request's nonce; no inline script, no eval in production", () => {
    const csp = contentSecurityPolicy(base);
    expect(directive(csp, "script-src")).toBe("script-src 'self' 'nonce-bm9uY2Ux' 'strict-dynamic'");
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(contentSecurityPolicy({ ...base, development: true })).toMatch(/script-src [^;]*'unsafe-eval'/);
  });

  it("pages cannot be framed (clickjacking of instructor actions)", () => {
    const h = securityHeaders(base);
    expect(directive(h["Content-Security-Policy"], "frame-ancestors")).toBe("frame-ancestors 'none'");
    expect(h["X-Frame-Options"]).toBe("DENY");
  });

  it("media only from the app, the CDN and the storage origin; uploads only to storage", () => {
    const csp = contentSecurityPolicy(base);
    for (const d of ["img-src", "media-src", "connect-src"]) {
      expect(directive(csp, d)).toContain("https://media.example.com");
      expect(directive(csp, d)).toContain("https://acme-media.s3.eu-west-1.amazonaws.com");
    }
    expect(directive(csp, "default-src")).toBe("default-src 'self'");
    expect(directive(csp, "object-src")).toBe("object-src 'none'");
    expect(directive(csp, "base-uri")).toBe("base-uri 'self'");
    expect(directive(csp, "worker-src")).toBe("worker-src 'self' blob:");
  });

  it("forms post here, and to GitHub only when GitHub sign-in is on", () => {
    expect(directive(contentSecurityPolicy(base), "form-action")).toBe("form-action 'self'");
    expect(directive(contentSecurityPolicy({ ...base, github: true }), "form-action")).toBe("form-action 'self' https://github.com");
  });

  it("Referrer-Policy keeps signed URLs and queries from leaking; nosniff; HSTS only over https", () => {
    const h = securityHeaders(base);
    expect(h["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Strict-Transport-Security"]).toMatch(/^max-age=\d{8}/);
    const local = securityHeaders({ ...base, https: false, mediaOrigin: "http://localhost:4000", storageOrigins: storageOriginsOf({ endpoint: "http://127.0.0.1:4569", bucket: "media", region: "us-east-1" }) });
    expect(local["Strict-Transport-Security"]).toBeUndefined();
    expect(local["Content-Security-Policy"]).toContain("http://127.0.0.1:4569");
    expect(local["Content-Security-Policy"]).not.toContain("upgrade-insecure-requests");
  });
});
