import { describe, expect, it } from "vitest";

import {
  ApiError,
  ByteMeter,
  CancelledError,
  MAX_ATTEMPTS,
  TransferError,
  URL_REUSE_MS,
  cleanEtag,
  completionBody,
  failureOutcome,
  isRetryable,
  partsToSign,
  pendingParts,
  resumeKey,
  retryDelayMs,
  sessionFromStarted,
  sessionFromState,
  shouldRetry,
  startRequest,
  storedBytes,
  urlUsable,
  type Session,
} from "@/components/uploads/protocol";
import { MB, UPLOAD_URL_SECONDS, partPlan, partRange } from "@/lib/uploads/rules";
import type { StartedUpload, UploadState } from "@/lib/uploads/wire";

/** The pure parts of the browser's upload protocol (components/uploads/protocol.ts). */

const file = { name: "Lesson 1.mp4", size: 20 * MB + 5, type: "video/mp4", lastModified: 1_700_000_000_000 };

function multipart(partCount: number, done: number[] = []): Session {
  return {
    uploadId: "u1",
    bytes: partCount * 8 * MB,
    plan: { partSize: 8 * MB, partCount },
    done: new Map(done.map((n) => [n, { etag: `e${n}`, size: 8 * MB }])),
  };
}

describe("resume key", () => {
  it("keeps the v1 scheme: course, lesson (or -), kind, name, size, last modified", () => {
    expect(resumeKey({ kind: "VIDEO", courseId: "c1", lessonId: "l1" }, file)).toBe(`lumen-upload:v1:c1:l1:VIDEO:Lesson 1.mp4:${20 * MB + 5}:1700000000000`);
    expect(resumeKey({ kind: "IMAGE", courseId: "c1" }, { ...file, name: "cover.png" })).toBe(`lumen-upload:v1:c1:-:IMAGE:cover.png:${20 * MB + 5}:1700000000000`);
  });

  it("differs when the file was modified", () => {
    const target = { kind: "ATTACHMENT" as const, courseId: "c1", lessonId: "l1" };
    expect(resumeKey(target, file)).not.toBe(resumeKey(target, { ...file, lastModified: file.lastModified + 1 }));
  });
});

describe("retries", () => {
  it("waits 1, 2, 4, 8 s plus up to half a second of jitter", () => {
    expect([0, 1, 2, 3].map((a) => retryDelayMs(a, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(0, () => 0.999)).toBeCloseTo(1499.5);
  });

  it("retries network errors, expired URLs, throttling and server errors, nothing else", () => {
    for (const status of [0, 403, 408, 429, 500, 503]) expect(isRetryable(new TransferError("x", status))).toBe(true);
    for (const status of [400, 404, 409]) expect(isRetryable(new TransferError("x", status))).toBe(false);
    for (const status of [429, 500]) expect(isRetryable(new ApiError("x", status))).toBe(true);
    for (const status of [400, 403, 404, 409, 422]) expect(isRetryable(new ApiError("x", status))).toBe(false);
    expect(isRetryable(new CancelledError())).toBe(false);
    expect(isRetryable(new Error("bug"))).toBe(false);
  });

  it("gives up after five tries", () => {
    const err = new TransferError("Network error", 0);
    expect(MAX_ATTEMPTS).toBe(5);
    expect([0, 1, 2, 3, 4].map((attempt) => shouldRetry(err, attempt))).toEqual([true, true, true, true, false]);
  });
});

describe("parts", () => {
  it("sends only the parts storage lacks, in order", () => {
    expect(pendingParts(multipart(5, [1, 3]))).toEqual([2, 4, 5]);
    expect(pendingParts({ uploadId: "u", bytes: 10, done: new Map() })).toEqual([]); // a single PUT has no parts
  });

  it("asks URLs for the part needed and up to 7 upcoming ones that are not sent, in flight or signed", () => {
    const pending = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(partsToSign(1, pending, () => false)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const busy = new Set([2, 3, 9]);
    expect(partsToSign(4, pending, (p) => busy.has(p))).toEqual([4, 1, 5, 6, 7, 8, 10, 11]);
    expect(partsToSign(20, [20], () => false)).toEqual([20]);
  });

  it("reuses a part URL for 10 of its 15 minutes, never for a retry", () => {
    expect(UPLOAD_URL_SECONDS).toBe(15 * 60);
    expect(URL_REUSE_MS).toBe(10 * 60 * 1000);
    expect(urlUsable(0, URL_REUSE_MS - 1, false)).toBe(true);
    expect(urlUsable(0, URL_REUSE_MS, false)).toBe(false);
    expect(urlUsable(0, 1, true)).toBe(false);
  });

  it("plans parts that cover the file exactly", () => {
    const plan = partPlan(file.size);
    const ranges = Array.from({ length: plan.partCount }, (_, i) => partRange(plan, file.size, i + 1));
    expect(ranges[0]).toEqual({ start: 0, end: 8 * MB });
    expect(ranges.at(-1)!.end).toBe(file.size);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end);
  });
});

describe("sessions", () => {
  it("from a started upload: a PUT or a multipart plan", () => {
    const base = { uploadId: "u1", assetId: "a1", kind: "VIDEO", fileName: file.name, bytes: file.size, expiresAt: "2030-01-01T00:00:00.000Z" } as const;
    const put: StartedUpload = { ...base, transfer: { method: "PUT", url: "https://s/put", headers: { "Content-Type": "video/mp4" } } };
    expect(sessionFromStarted(put)).toEqual({ uploadId: "u1", bytes: file.size, put: { url: "https://s/put", headers: { "Content-Type": "video/mp4" } }, plan: undefined, done: new Map() });
    const parts: StartedUpload = { ...base, transfer: { method: "MULTIPART", partSize: 8 * MB, partCount: 3 } };
    expect(sessionFromStarted(parts)).toMatchObject({ put: undefined, plan: { partSize: 8 * MB, partCount: 3 } });
  });

  it("from what storage holds (resume): the stored parts are done", () => {
    const state: UploadState = {
      uploadId: "u1",
      assetId: "a1",
      kind: "ATTACHMENT",
      fileName: "handout.pdf",
      bytes: 20 * MB,
      expiresAt: "2030-01-01T00:00:00.000Z",
      method: "MULTIPART",
      partSize: 8 * MB,
      partCount: 3,
      parts: [
        { partNumber: 1, etag: "e1", size: 8 * MB },
        { partNumber: 3, etag: "e3", size: 4 * MB },
      ],
    };
    const session = sessionFromState(state);
    expect(session.plan).toEqual({ partSize: 8 * MB, partCount: 3 });
    expect(pendingParts(session)).toEqual([2]);
    expect(storedBytes(session)).toBe(12 * MB);
  });

  it("sends the language only with captions", () => {
    expect(startRequest({ kind: "CAPTION", courseId: "c", lessonId: "l" }, { ...file, name: "fr.vtt" }, "fr")).toMatchObject({ kind: "CAPTION", language: "fr" });
    expect(startRequest({ kind: "VIDEO", courseId: "c", lessonId: "l" }, file, "fr")).toEqual({
      courseId: "c",
      lessonId: "l",
      kind: "VIDEO",
      fileName: file.name,
      contentType: "video/mp4",
      bytes: file.size,
    });
  });

  it("completes with the parts' ETags, or lets the server list them when storage hid them", () => {
    expect(completionBody(multipart(2, [1, 2]))).toEqual({ parts: [{ partNumber: 1, etag: "e1" }, { partNumber: 2, etag: "e2" }] });
    const hidden = multipart(2, [1, 2]);
    hidden.done.set(2, { etag: cleanEtag(null), size: 8 * MB });
    expect(completionBody(hidden)).toEqual({});
    expect(completionBody({ uploadId: "u", bytes: 3, done: new Map() })).toEqual({});
    expect(cleanEtag('"abc"')).toBe("abc");
  });
});

describe("failures", () => {
  it("a file the server refused after looking at it: failed, forgotten, page refreshed", () => {
    expect(failureOutcome(new ApiError("This file is not a video: it looks like text.", 422), true)).toEqual({
      phase: "failed",
      status: "Upload refused.",
      error: "This file is not a video: it looks like text.",
      forget: true,
      clearProgress: false,
      refresh: true,
    });
  });

  it("refused at the start: nothing was sent, back to idle; a conflict refreshes the page", () => {
    expect(failureOutcome(new ApiError("This file is 6 GB; videos can be at most 5 GB.", 422), false)).toMatchObject({ phase: "idle", status: "", clearProgress: true, refresh: false });
    expect(failureOutcome(new ApiError("A video for this lesson is still processing", 409), false)).toMatchObject({ phase: "idle", refresh: true, forget: false });
  });

  it("an upload that is gone: start over", () => {
    for (const err of [new ApiError("This upload does not exist (it was finished or cancelled).", 404), new ApiError("This upload has expired: start it again.", 409)]) {
      expect(failureOutcome(err, true)).toMatchObject({ phase: "failed", status: "", error: `${err.message} Choose the file again to start over.`, forget: true });
    }
  });

  it("anything else pauses: the parts already sent are kept", () => {
    const outcome = failureOutcome(new TransferError("Network error while sending the file.", 0), true);
    expect(outcome).toMatchObject({ phase: "paused", status: "Upload paused.", forget: false });
    expect(outcome.error).toBe(
      "The upload stopped (Network error while sending the file). Click “Resume upload”, or pick the same file again later: the parts already sent are kept.",
    );
    expect(failureOutcome(new ApiError("Parts 2 are missing", 409), true).phase).toBe("paused");
  });
});

describe("byte meter", () => {
  it("counts stored parts and bytes in flight, never more than the file", () => {
    const m = new ByteMeter();
    m.reset(100, 40);
    m.sending(2, 10);
    m.sending(3, 25);
    expect(m.progress()).toEqual({ sent: 75, total: 100, speed: null });
    m.partStored(2, 30);
    expect(m.progress().sent).toBe(95);
    m.sending(4, 50);
    expect(m.progress().sent).toBe(100);
    m.dropInflight();
    expect(m.progress().sent).toBe(70);
  });

  it("measures speed once a second of samples exists, over the last 5 s", () => {
    const m = new ByteMeter();
    m.reset(100_000, 0);
    expect(m.sample(0).speed).toBeNull();
    m.sending(1, 500);
    expect(m.sample(500).speed).toBeNull();
    m.sending(1, 1000);
    expect(m.sample(1000).speed).toBe(1000);
    for (let t = 2000; t <= 10_000; t += 1000) {
      m.sending(1, t);
      m.sample(t);
    }
    // Samples older than 5 s are dropped: the rate is measured over the recent window (6-11 s).
    m.sending(1, 20_000);
    expect(m.sample(11_000).speed).toBe((20_000 - 6000) / 5);
  });
});
