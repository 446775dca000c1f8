import { isIP } from "node:net";

/**
 * The client's address for rate limits and the audit log, from the socket and at most
 * `trustedHops` reverse proxies (TRUST_PROXY_HOPS): each trusted proxy appends the address it
 * received the request from to X-Forwarded-For, so the client is the entry `trustedHops`
 * places from the right of [...X-Forwarded-For, socket address]. With 0 (the default, no
 * proxy) it is the socket address and a client-set X-Forwarded-For changes nothing. Pure.
 */
export const CLIENT_IP_HEADER = "x-lumen-client-ip";

export function normaliseIp(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const a = address.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  const ip = mapped ? mapped[1] : a;
  return isIP(ip) ? ip : undefined;
}

export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, socketAddress ?? ""];
  const index = Math.max(0, chain.length - 1 - Math.max(0, Math.floor(trustedHops)));
  return normaliseIp(chain[index]) ?? normaliseIp(socketAddress) ?? "unknown";
}

type HeaderBag = Headers | Readonly<Record<string, string | string[] | undefined>> | null | undefined;

/**
 * The client address of a request the app server (server/main.ts) passed on: its
 * CLIENT_IP_HEADER, never X-Forwarded-For (which the client writes). "unknown" when the header
 * is missing or not an address (a request that did not come through server/main.ts).
 */
export function requestClientIp(headers: HeaderBag): string {
  let value: string | string[] | null | undefined;
  if (headers && typeof (headers as Headers).get === "function") value = (headers as Headers).get(CLIENT_IP_HEADER);
  else if (headers) value = (headers as Record<string, string | string[] | undefined>)[CLIENT_IP_HEADER];
  return normaliseIp(Array.isArray(value) ? value[0] : (value ?? undefined)) ?? "unknown";
}
