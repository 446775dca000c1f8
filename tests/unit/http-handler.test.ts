import { describe, expect, it } from "vitest";
import { ForbiddenError, ValidationError } from "@/lib/errors";
import { assertSameOrigin, mediaType, readJson } from "@/lib/http/handler";

const APP = "https://learn.example.com";
const req = (method: string, headers: Record<string, string> = {}, body?: string) =>
  new Request(`${APP}/api/lessons/l1/progress`, { method, headers, body });

describe("state-changing route handlers refuse cross-site requests", () => {
  it.each([
    ["a same-origin fetch", { "sec-fetch-site": "same-origin", origin: APP }],
    ["a non-browser client (no Origin, no Sec-Fetch-Site)", {}],
    ["a user-initiated navigation", { "sec-fetch-site": "none" }],
  ])("accepts %s", (_what, headers) => {
    expect(() => assertSameOrigin(req("POST", headers), APP)).not.toThrow();
  });

  it.each([
    ["another site (Sec-Fetch-Site)", { "sec-fetch-site": "cross-site" }],
    ["a sibling subdomain (Sec-Fetch-Site)", { "sec-fetch-site": "same-site" }],
    ["another origin (Origin only, older browsers)", { origin: "https://evil.example" }],
    ["the media domain", { origin: "https://media.example.com", "sec-fetch-site": "same-site" }],
    ["an http downgrade of our own origin", { origin: "http://learn.example.com" }],
  ])("refuses %s", (_what, headers) => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(() => assertSameOrigin(req(method, headers), APP)).toThrow(ForbiddenError);
    }
  });

  it("lets reads through whatever their origin", () => {
    expect(() => assertSameOrigin(req("GET", { "sec-fetch-site": "cross-site", origin: "https://evil.example" }), APP)).not.toThrow();
  });
});

describe("JSON bodies", () => {
  it("reads application/json, with parameters", async () => {
    await expect(readJson(req("POST", { "content-type": "application/json; charset=utf-8" }, '{"a":1}'))).resolves.toEqual({ a: 1 });
    expect(mediaType("Application/JSON ; charset=UTF-8")).toBe("application/json");
  });

  it.each(["text/plain; x=application/json", "text/plain", "application/json-patch+json", "multipart/form-data; boundary=application/json", ""])(
    "refuses %j (a simple request another site could send without a preflight)",
    async (type) => {
      await expect(readJson(req("POST", type ? { "content-type": type } : {}, '{"a":1}'))).rejects.toBeInstanceOf(ValidationError);
    },
  );
});
