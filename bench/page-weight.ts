/**
 * Page weight: the bytes of the catalogue's first page (24 courses out of 1,000, each with a
 * signed cover URL) as the app writes it, with an ECDSA P-256 key (the default, ADR 050)
 * against an RSA-2048 key: two app instances on the same data, differing only in their key.
 * Gzipped sizes (roughly what a browser transfers) are kept alongside.
 */
import zlib from "node:zlib";
import { expectPage, signedUrlCount } from "./lib/http";
import { compare, type Bench } from "./lib/result";

export const pageWeight: Bench = async (ctx) => {
  await ctx.stack.courses();
  const weigh = async (variant: "ecdsa" | "rsa") => {
    const app = await ctx.stack.app(variant);
    const page = await expectPage(`${app.url}/courses`);
    const covers = signedUrlCount(page.body);
    // The demo seed's courses (no cover without SEED_MEDIA) may share the first page with bench ones.
    if (covers < 20) throw new Error(`bench: the catalogue page (${variant}) carries ${covers} signed URLs, expected 20 or more`);
    return { bytes: page.bytes, gzip: zlib.gzipSync(page.body).length, covers };
  };
  ctx.log("page weight: ECDSA app");
  const ecdsa = await weigh("ecdsa");
  ctx.log("page weight: RSA app");
  const rsa = await weigh("rsa");
  await ctx.stack.stopApp("rsa"); // not needed again; memory back for the load tests
  return [
    compare("page weight: catalogue page (24 of 1,000 courses), ECDSA vs RSA key", "bytes", ecdsa.bytes, rsa.bytes, null, {
      extra: { gzipEcdsa: ecdsa.gzip, gzipRsa: rsa.gzip, signedUrlsOnPage: ecdsa.covers },
    }),
  ];
};
