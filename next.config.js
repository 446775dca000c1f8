// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Native modules stay outside the server bundle.
  serverExternalPackages: [
    "@node-rs/argon2",
    "pg",
    "@prisma/adapter-pg",
    "@aws-sdk/client-s3",
    "@aws-sdk/s3-request-presigner",
    "@aws-sdk/cloudfront-signer",
  ],
  typedRoutes: false,
  // forbidden(): denied lesson pages answer 403 with their explanation (lib/http/denial.ts).
  experimental: { authInterrupts: true },
  // Metadata is resolved before the page starts streaming, for every client (not only bots): a
  // denied page can then still answer 403 instead of a 200 already on the wire.
  htmlLimitedBots: /.*/,
  // The start script and CI run lint/typecheck separately.
  typescript: { ignoreBuildErrors: false },
};

module.exports = nextConfig;
