import "server-only";
import { forbidden } from "next/navigation";

/**
 * Denied pages answer HTTP 403 and still say why and what to do. Next's `forbidden()` renders
 * app/forbidden.tsx with status 403; that file gets no props and Next renders it alongside the
 * page (not after it), so it works out the explanation itself from the request's path
 * (proxy.ts passes it as `x-lumen-path`), with the same per-request cached loaders the page
 * used — no extra queries.
 */
export { PATH_HEADER } from "./denial-path";

/** Ends the page with a 403 (app/forbidden.tsx explains it). Use as `return denyPage()`. */
export function denyPage(): never {
  forbidden();
}
