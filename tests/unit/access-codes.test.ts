import { describe, expect, it } from "vitest";
import { accessCodeLookupKey, crockford, CROCKFORD, generateAccessCode } from "@/lib/enrollments/codes";

describe("access code text", () => {
  it("writes 80 random bits as 16 Crockford base32 characters in groups of four, after an optional prefix", () => {
    expect(crockford(new Uint8Array(10))).toBe("0".repeat(16));
    expect(crockford(new Uint8Array(10).fill(255))).toBe("Z".repeat(16));
    expect(crockford(Uint8Array.from([0b00001000, 0b01000011]))).toBe("111G"); // 00001 00001 00001 1(0000)
    expect(generateAccessCode("", new Uint8Array(10).fill(255))).toBe("ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    expect(generateAccessCode("spring26", new Uint8Array(10))).toBe("SPRING26-0000-0000-0000-0000");
    const codes = new Set(Array.from({ length: 2000 }, () => generateAccessCode()));
    expect(codes.size).toBe(2000);
    for (const c of codes) expect(c).toMatch(new RegExp(`^[${CROCKFORD}]{4}(-[${CROCKFORD}]{4}){3}$`));
    expect(CROCKFORD).not.toMatch(/[ILOU]/);
  });

  it("looks codes up regardless of case, spaces, dashes and look-alike letters", () => {
    const key = accessCodeLookupKey("CLOUD-7K3M-8P2Q-4RST-VWX1");
    for (const typed of ["cloud 7k3m 8p2q 4rst vwx1", "CLOUD7K3M8P2Q4RSTVWX1", " Cloud–7K3M—8P2Q-4RST-VWXl ", "CL0UD-7K3M-8P2Q-4RST-VWXI"]) {
      expect(accessCodeLookupKey(typed)).toBe(key);
    }
    expect(accessCodeLookupKey("CLOUD-7K3M-8P2Q-4RST-VWX2")).not.toBe(key);
  });
});
