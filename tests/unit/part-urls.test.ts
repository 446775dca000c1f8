import { describe, expect, it } from "vitest";

import { PartUrls } from "@/components/uploads/part-urls";
import { PARALLEL_PARTS, URL_BATCH, URL_REUSE_MS } from "@/components/uploads/protocol";

/** The uploader's part URLs (ADR 055): batches asked for ahead of need, never twice for a part, fresh for a retry. */

function server() {
  const requests: number[][] = [];
  const gates: Array<() => void> = [];
  let hold = false;
  const fetchBatch = async (partNumbers: number[]) => {
    requests.push(partNumbers);
    if (hold) await new Promise<void>((r) => gates.push(r));
    return partNumbers.map((partNumber) => ({ partNumber, url: `https://s3.test/part/${partNumber}/${requests.length}`, headers: {} }));
  };
  return {
    requests,
    fetchBatch,
    hold: (on: boolean) => (hold = on),
    release: () => gates.splice(0).forEach((g) => g()),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("part URLs", () => {
  it("asks for the next batch before the spare URLs run out, so parts do not wait between PUTs", async () => {
    const s = server();
    const pending = Array.from({ length: 40 }, (_, i) => i + 1);
    const urls = new PartUrls(pending, s.fetchBatch);
    for (let n = 1; n <= 6; n++) {
      expect((await urls.take(n, false)).url).toMatch(new RegExp(`/part/${n}/`));
      urls.release(n);
    }
    await flush();
    // Part 1 asked for 1–8; by part 6 fewer than PARALLEL_PARTS spare URLs were left, so 9–16 were asked for ahead.
    expect(s.requests).toEqual([Array.from({ length: URL_BATCH }, (_, i) => i + 1), Array.from({ length: URL_BATCH }, (_, i) => i + 9)]);
    expect(urls.spare).toBeGreaterThanOrEqual(PARALLEL_PARTS);
    for (let n = 7; n <= 14; n++) {
      await urls.take(n, false);
      urls.release(n);
    }
    await flush();
    expect(s.requests).toHaveLength(3);
    expect(s.requests[2]![0]).toBe(17);
  });

  it("a part whose batch is on its way waits for it instead of asking again", async () => {
    const s = server();
    const urls = new PartUrls([1, 2, 3, 4], s.fetchBatch);
    s.hold(true);
    const first = urls.take(1, false);
    await flush();
    const second = urls.take(2, false);
    await flush();
    expect(s.requests).toEqual([[1, 2, 3, 4]]);
    s.release();
    expect((await first).url).toContain("/part/1/");
    expect((await second).url).toContain("/part/2/");
    expect(s.requests).toHaveLength(1);
  });

  it("asks again for a retry and for a URL near its expiry; never for parts stored or sent", async () => {
    const s = server();
    let now = 0;
    // Part 4 is stored already (not pending); part 5 is sent first.
    const urls = new PartUrls([2, 3, 5, 6], s.fetchBatch, () => now);
    await urls.take(5, false);
    urls.release(5);
    expect(s.requests).toEqual([[5, 2, 3, 6]]);
    expect((await urls.take(2, false)).url).toBe("https://s3.test/part/2/1");
    expect((await urls.take(2, true)).url).toBe("https://s3.test/part/2/2");
    expect(s.requests[1]).toEqual([2]);
    now = URL_REUSE_MS;
    expect((await urls.take(3, false)).url).toBe("https://s3.test/part/3/3");
    expect(s.requests[2]).toEqual([3]);
    expect(s.requests.flat()).not.toContain(4);
  });

  it("a failed batch is the part's error; a failed read-ahead is asked again when needed", async () => {
    let fail = true;
    const calls: number[][] = [];
    const urls = new PartUrls([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], async (partNumbers) => {
      calls.push(partNumbers);
      if (fail) throw new Error("503 from the app");
      return partNumbers.map((partNumber) => ({ partNumber, url: `u${partNumber}`, headers: {} }));
    });
    await expect(urls.take(1, false)).rejects.toThrow("503");
    fail = false;
    expect((await urls.take(1, false)).url).toBe("u1");
    expect(calls).toHaveLength(2);
  });
});
