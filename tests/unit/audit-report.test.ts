import { describe, expect, it } from "vitest";
import { accessEvent, LIMITS } from "@/lib/audit/events";
import { accessLogHref, dayRange, parseAccessLogFilters } from "@/lib/audit/filters";
import { candidateUsers, flagAccounts, maxConcurrentSessions, type Grant } from "@/lib/audit/report";
import { ConfigError, parseConfig } from "@/lib/config/schema";

const rules = { minIps: 3, minSessions: 2, concurrencyMinutes: 10 };
const t0 = Date.parse("2026-11-29T12:00:00Z");
const at = (minutes: number) => new Date(t0 + minutes * 60_000);
const g = (userId: string, minutes: number, ip: string | null, sessionId: string | null): Grant => ({ userId, at: at(minutes), ip, sessionId });

describe("concurrent sessions", () => {
  it("counts the most distinct sessions within one ten-minute span", () => {
    const span = 10 * 60_000;
    expect(maxConcurrentSessions([], span)).toBe(0);
    expect(maxConcurrentSessions([g("u", 0, null, "a"), g("u", 5, null, "a"), g("u", 9, null, "a")], span)).toBe(1);
    expect(maxConcurrentSessions([g("u", 0, null, "a"), g("u", 10, null, "b")], span)).toBe(2);
    expect(maxConcurrentSessions([g("u", 0, null, "a"), g("u", 11, null, "b")], span)).toBe(1);
    // a and b overlap, later b and c overlap, never all three.
    expect(maxConcurrentSessions([g("u", 0, null, "a"), g("u", 8, null, "b"), g("u", 15, null, "b"), g("u", 17, null, "c")], span)).toBe(2);
    expect(maxConcurrentSessions([g("u", 0, null, "a"), g("u", 1, null, "b"), g("u", 2, null, null), g("u", 3, null, "c")], span)).toBe(3);
  });
});

describe("flagAccounts", () => {
  it("flags three addresses or two concurrent sessions, with the numbers, most suspicious first", () => {
    const flagged = flagAccounts(
      [
        g("normal", 0, "10.0.0.1", "n"),
        g("normal", 60, "10.0.0.1", "n"),
        g("roaming", 0, "10.0.0.1", "r"),
        g("roaming", 100, "10.0.0.2", "r"),
        g("roaming", 200, "10.0.0.3", "r"),
        g("roaming", 201, "10.0.0.3", "r"),
        g("sharing", 0, "10.0.0.9", "s1"),
        g("sharing", 4, "10.0.0.9", "s2"),
        g("sharing", 5, "10.0.0.9", "s3"),
        g("commuter", 0, "10.0.0.5", "c1"),
        g("commuter", 90, "10.0.0.6", "c2"),
        g("nobody", 0, null, null),
      ],
      rules,
    );
    expect(flagged.map((f) => [f.userId, f.ips, f.concurrentSessions, f.grants, f.manyIps, f.manySessions])).toEqual([
      ["sharing", ["10.0.0.9"], 3, 3, false, true],
      ["roaming", ["10.0.0.3", "10.0.0.1", "10.0.0.2"], 1, 4, true, false],
    ]);
    expect(flagged[1]).toMatchObject({ firstAt: at(0), lastAt: at(201) });
  });

  it("needs no order from its input and ignores rows without a user", () => {
    const rows = [g("u", 7, "10.0.0.1", "b"), g("u", 0, "10.0.0.2", "a"), { ...g("u", 1, "10.0.0.3", "c"), userId: null }];
    expect(flagAccounts(rows, rules)).toMatchObject([{ userId: "u", concurrentSessions: 2, manyIps: false }]);
  });
});

describe("candidateUsers", () => {
  it("keeps the accounts with enough distinct addresses or sessions to be flagged", () => {
    const ips = [
      { userId: "a", ip: "1" },
      { userId: "a", ip: "2" },
      { userId: "a", ip: "3" },
      { userId: "b", ip: "1" },
      { userId: null, ip: "4" },
    ];
    const sessions = [
      { userId: "b", sessionId: "x" },
      { userId: "c", sessionId: "x" },
      { userId: "c", sessionId: "y" },
      { userId: "d", sessionId: null },
    ];
    expect(candidateUsers({ ips, sessions }, rules)).toEqual(["a", "c"]);
  });
});

describe("filters and events", () => {
  it("parses the query string, ignoring what does not parse", () => {
    expect(parseAccessLogFilters({ lesson: "les_1", user: " Ann@Example.COM ", kind: ["CAPTION", "PLAYLIST"], outcome: "DENIED", from: "2026-11-01", to: "", before: "42" })).toEqual({
      lesson: "les_1",
      user: "ann@example.com",
      kind: "CAPTION",
      outcome: "DENIED",
      from: "2026-11-01",
      to: undefined,
      before: "42",
    });
    expect(parseAccessLogFilters({ lesson: "../x", kind: "EVERYTHING", from: "2026-13-45", before: "-1" })).toEqual({
      lesson: undefined,
      user: undefined,
      kind: undefined,
      outcome: undefined,
      from: undefined,
      to: undefined,
      before: undefined,
    });
    expect(dayRange({ from: "2026-11-01", to: "2026-11-02" })).toEqual({ gte: new Date("2026-11-01T00:00:00Z"), lt: new Date("2026-11-03T00:00:00Z") });
    expect(accessLogHref("c1", { user: "a@b.c", kind: undefined, from: "2026-11-01" })).toBe("/instructor/courses/c1/access?user=a%40b.c&from=2026-11-01");
    expect(accessLogHref("c1")).toBe("/instructor/courses/c1/access");
  });

  it("builds an event from a decision, cutting long values", () => {
    const e = accessEvent(
      { id: "u1", role: "STUDENT" },
      { course: { id: "c1" }, lesson: { id: "l1" }, decision: { allowed: false, reason: "enrollment-expired" } },
      "STREAM_SESSION",
      { ip: " 203.0.113.5 ", userAgent: "a".repeat(300), sessionId: "" },
      at(0),
    );
    expect(e).toEqual({
      at: at(0),
      courseId: "c1",
      lessonId: "l1",
      userId: "u1",
      kind: "STREAM_SESSION",
      outcome: "DENIED",
      reason: "enrollment-expired",
      ip: "203.0.113.5",
      userAgent: "a".repeat(LIMITS.userAgent),
      sessionId: null,
    });
    expect(accessEvent(null, { course: { id: "c1" }, decision: { allowed: true, reason: "free-preview" } }, "VIDEO_PAGE", { ip: null, userAgent: null, sessionId: null })).toMatchObject({
      userId: null,
      lessonId: null,
      outcome: "GRANTED",
      reason: "free-preview",
    });
  });
});

describe("configuration", () => {
  it("keeps events 90 days and flags 3 addresses or 2 concurrent sessions in 24 hours unless told otherwise", () => {
    expect(parseConfig({}).audit).toEqual({ retentionDays: 90, report: { windowHours: 24, minIps: 3, minSessions: 2 } });
    expect(parseConfig({ AUDIT_RETENTION_DAYS: "30", AUDIT_REPORT_WINDOW_HOURS: "48", AUDIT_REPORT_MIN_IPS: "5", AUDIT_REPORT_MIN_SESSIONS: "3" }).audit).toEqual({
      retentionDays: 30,
      report: { windowHours: 48, minIps: 5, minSessions: 3 },
    });
    expect(() => parseConfig({ AUDIT_RETENTION_DAYS: "0" })).toThrow(ConfigError);
  });
});
