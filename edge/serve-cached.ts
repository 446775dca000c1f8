/**
 * Serving an allowed request through the object cache (ADR 037): a hit is answered from
 * memory with the same Range / HEAD / conditional logic as the storage path; a plain GET miss
 * fills the cache (one storage read for all concurrent misses); everything else streams from
 * storage, which reports the metadata it saw back to the cache.
 */
import type http from "node:http";

import { isConditional, parseRangeHeader, planResponse } from "./http";
import type { CacheEntry, FillOutcome } from "./object-cache";
import type { Prepared } from "./options";
import { abortOnClose, sendPlanned, sendStorageError, serveFromStorage, streamResult, type ObjectRequest } from "./serve-object";

export async function serveObject(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse, target: ObjectRequest): Promise<void> {
  const cache = cfg.objectCache;
  if (!cache) return serveFromStorage(cfg, req, res, target);
  const { key } = target;
  const range = parseRangeHeader(req.headers.range);

  let entry: CacheEntry | undefined = await cache.lookup(key, cfg.storage);
  if (entry) {
    cache.counters.hits++;
  } else {
    cache.counters.misses++;
    // A plain GET reads the whole object anyway: let it fill the cache. With a signed
    // response-content-disposition the storage request carries the override (ADR 028).
    const plain =
      req.method === "GET" && !range && !isConditional(req.headers) && target.overrides.responseContentDisposition === undefined;
    if (plain && !cache.knownNotCacheable(key)) {
      let outcome: FillOutcome;
      try {
        outcome = await cache.fill(key, cfg.storage);
      } catch (err) {
        return sendStorageError(cfg, req, res, err);
      }
      entry = outcome.entry;
      const result = outcome.entry ? undefined : outcome.take();
      if (result) {
        const { signal, release } = abortOnClose(res);
        try {
          return await streamResult(cfg, req, res, result, target, false, signal);
        } finally {
          release();
        }
      }
    }
  }
  if (entry) return sendPlanned(cfg, req, res, entry.meta, planResponse(req.headers, range, entry.meta), target, entry.body);
  return serveFromStorage(cfg, req, res, target, (meta) => cache.observe(key, meta, cfg.storage));
}
