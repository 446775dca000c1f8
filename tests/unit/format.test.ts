import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDate,
  formatDuration,
  formatPrice,
  formatRemaining,
  isoDate,
  isoMinute,
  plural,
  priceInputValue,
  toDateInputValue,
  toDateTimeLocalValue,
} from "@/lib/format";

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

describe("formatBytes", () => {
  it("writes binary units, one decimal unless whole (as lib/uploads/rules does)", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(17)).toBe("17 bytes");
    expect(formatBytes(1023)).toBe("1023 bytes");
    expect(formatBytes(KB)).toBe("1 KB");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(15 * MB)).toBe("15 MB");
    expect(formatBytes(6.2 * GB)).toBe("6.2 GB");
    expect(formatBytes(5 * GB + 1, 3)).toBe("5 GB");
    expect(formatBytes(5.0004 * GB, 3)).toBe("5 GB");
    expect(formatBytes(5.004 * GB, 3)).toBe("5.004 GB");
    expect(formatBytes(-1)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("durations", () => {
  it("writes media lengths as a clock", () => {
    expect(formatDuration(null)).toBeNull();
    expect(formatDuration(Number.NaN)).toBeNull();
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(245.4)).toBe("4:05");
    expect(formatDuration(3723)).toBe("1:02:03");
  });

  it("writes time left in words", () => {
    expect(formatRemaining(-1)).toBe("");
    expect(formatRemaining(0.2)).toBe("1 s");
    expect(formatRemaining(12.4)).toBe("12 s");
    expect(formatRemaining(185)).toBe("3 min 5 s");
    expect(formatRemaining(2 * 3600 + 10 * 60 + 7)).toBe("2 h 10 min");
  });
});

describe("prices", () => {
  it("shows free, paid without a price, whole and cents", () => {
    expect(formatPrice({ isFree: true, priceCents: 4900 })).toBe("Free");
    expect(formatPrice({ isFree: false, priceCents: null })).toBe("Paid");
    expect(formatPrice({ isFree: false, priceCents: 4900 })).toBe("$49");
    expect(formatPrice({ isFree: false, priceCents: 4999 })).toBe("$49.99");
    expect(formatPrice({ isFree: false, priceCents: 4950 })).toBe("$49.50");
  });

  it("fills price inputs", () => {
    expect(priceInputValue(null)).toBe("");
    expect(priceInputValue(4900)).toBe("49");
    expect(priceInputValue(4950)).toBe("49.50");
  });
});

describe("dates and counts", () => {
  const d = new Date("2026-03-01T09:30:45Z");
  it("writes UTC calendar dates and moments", () => {
    expect(isoDate(d)).toBe("2026-03-01");
    expect(isoMinute(d)).toBe("2026-03-01 09:30");
    expect(formatDate(d)).toBe("Mar 1, 2026");
    expect(formatDate(null)).toBe("—");
    expect(toDateInputValue(d)).toBe("2026-03-01");
    expect(toDateInputValue(undefined)).toBe("");
  });

  it("round-trips datetime-local values in the server's zone", () => {
    const local = toDateTimeLocalValue(d);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(new Date(local).getTime()).toBe(new Date("2026-03-01T09:30:00Z").getTime());
    expect(toDateTimeLocalValue(null)).toBe("");
  });

  it("pluralizes counts", () => {
    expect(plural(1, "lesson")).toBe("1 lesson");
    expect(plural(3, "lesson")).toBe("3 lessons");
    expect(plural(0, "access code")).toBe("0 access codes");
  });
});
