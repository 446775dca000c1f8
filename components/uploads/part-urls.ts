import type { PresignedPart, SignedRequest } from "@/lib/uploads/wire";

import { PARALLEL_PARTS, partsToSign, urlUsable } from "./protocol";

/**
 * The part URLs of one multipart upload as the uploader holds them (ADR 032, 055): asked for in
 * batches, and the next batch asked for ahead — once fewer than PARALLEL_PARTS unused URLs are
 * left — so a part never waits for the app between two PUTs. A part that needs a URL while a
 * batch covering it is on its way waits for that batch instead of asking again. No DOM: the
 * browser's transfer and the benchmark use it with their own `fetchBatch`; unit-tested in node.
 */
export class PartUrls {
  private readonly urls = new Map<number, SignedRequest & { at: number }>();
  /** Part number -> the batch request that will sign it. */
  private readonly coming = new Map<number, Promise<void>>();
  private readonly busy = new Set<number>();
  private readonly finished = new Set<number>();
  private readingAhead = false;

  constructor(
    /** Parts left to send, ascending (those storage holds are never signed). */
    private readonly pending: readonly number[],
    private readonly fetchBatch: (partNumbers: number[]) => Promise<Array<Pick<PresignedPart, "partNumber" | "url" | "headers">>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A URL for part `n`, which is being sent from now on; `retry`: a fresh one (the last try failed). */
  async take(n: number, retry: boolean): Promise<SignedRequest> {
    this.busy.add(n);
    const batch = this.coming.get(n);
    if (batch && !retry) await batch.catch(() => undefined);
    const cached = this.urls.get(n);
    let url: SignedRequest;
    if (cached && urlUsable(cached.at, this.now(), retry)) url = cached;
    else {
      await this.request(partsToSign(n, this.pending, (p) => this.skip(p)));
      const signed = this.urls.get(n);
      if (!signed) throw new Error(`The server did not sign part ${n}.`);
      url = signed;
    }
    this.readAhead();
    return url;
  }

  /** Part `n` is stored (or given up): its URL is not needed any more. */
  release(n: number): void {
    this.busy.delete(n);
    this.finished.add(n);
    this.urls.delete(n);
  }

  /** URLs held for parts not yet being sent. */
  get spare(): number {
    let count = 0;
    for (const n of this.urls.keys()) if (!this.busy.has(n) && urlUsable(this.urls.get(n)!.at, this.now(), false)) count++;
    return count;
  }

  private skip(p: number): boolean {
    return this.finished.has(p) || this.busy.has(p) || this.urls.has(p) || this.coming.has(p);
  }

  /** Asks for the next batch in the background when few spare URLs are left (its failure is left to `take`). */
  private readAhead(): void {
    if (this.readingAhead || this.spare >= PARALLEL_PARTS) return;
    const next = this.pending.find((p) => !this.skip(p));
    if (next === undefined) return;
    this.readingAhead = true;
    this.request(partsToSign(next, this.pending, (p) => this.skip(p)))
      .catch(() => undefined)
      .finally(() => {
        this.readingAhead = false;
      });
  }

  private request(batch: number[]): Promise<void> {
    const run = this.fetchBatch(batch).then((parts) => {
      const at = this.now();
      for (const p of parts) this.urls.set(p.partNumber, { url: p.url, headers: p.headers, at });
    });
    const settled = run.finally(() => {
      for (const p of batch) if (this.coming.get(p) === settled) this.coming.delete(p);
    });
    for (const p of batch) this.coming.set(p, settled);
    return settled;
  }
}
