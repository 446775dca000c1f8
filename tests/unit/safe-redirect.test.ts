import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "@/lib/http/safe-redirect";

describe("safeCallbackPath", () => {
  it("keeps same-site paths", () => {
    expect(safeCallbackPath("/courses/sql-basics?x=1")).toBe("/courses/sql-basics?x=1");
  });
  it.each(["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", null, undefined])("refuses %s", (u) => {
    expect(safeCallbackPath(u)).toBe("/dashboard");
  });
});
