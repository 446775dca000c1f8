import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "@/lib/http/safe-redirect";

describe("safeCallbackPath", () => {
  it.each([
    ["/courses/sql-basics?x=1", "/courses/sql-basics?x=1"],
    ["/dashboard#progress", "/dashboard#progress"],
    ["/courses/../dashboard", "/dashboard"],
    // Encoded characters stay encoded: the browser does not decode them in a path.
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
    ["/%09/evil.example", "/%09/evil.example"],
  ])("keeps the same-site path %j as %j", (input, output) => {
    expect(safeCallbackPath(input)).toBe(output);
  });

  it.each([
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    // callbackUrl=%2F%09%2Fevil.com arrives decoded: browsers drop the tab and go to //evil.com.
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/.//evil.example",
    "/./\\evil.example",
    "javascript:alert(1)",
    "",
    null,
    undefined,
  ])("refuses %j", (u) => {
    expect(safeCallbackPath(u)).toBe("/dashboard");
  });
});
