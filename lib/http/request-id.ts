/** The header carrying the id proxy.ts gives every request (a client-sent value is replaced). Pure. */
export const REQUEST_ID_HEADER = "x-request-id";
