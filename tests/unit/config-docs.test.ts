import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envSchema } from "@/lib/config/schema";

/**
 * docs/configuration.md is the reference operators read: every variable the configuration
 * schema accepts must be in its table, and the table must not name variables that no longer exist.
 */
describe("docs/configuration.md", () => {
  const doc = fs.readFileSync(path.join(process.cwd(), "docs/configuration.md"), "utf8");
  const rows = doc.split("\n").filter((line) => line.startsWith("| `"));
  const documented = new Set(rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1])));
  const accepted = Object.keys(envSchema.shape);

  it("documents every variable the schema accepts", () => {
    expect(accepted.filter((name) => !documented.has(name))).toEqual([]);
  });

  it("documents no variable the schema does not accept", () => {
    expect([...documented].filter((name) => !accepted.includes(name))).toEqual([]);
  });
});
