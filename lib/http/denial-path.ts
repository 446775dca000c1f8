/** The request header carrying the path to app/forbidden.tsx (set by proxy.ts). Pure. */
export const PATH_HEADER = "x-lumen-path";
