import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      "lib/generated/**",
      "var/**",
      "test-results/**",
      "playwright-report/**",
      "infra/cdk.out/**",
      "next-env.d.ts",
    ],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Layering: domain code never imports the HTTP layer (lib/http) or Next's request APIs;
    // it throws lib/errors and the HTTP layer maps them. lib/uploads is exempt until the
    // uploads split moves its parseInput import to lib/validation.
    files: ["lib/**/*.ts"],
    ignores: ["lib/http/**", "lib/uploads/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["next/server", "next/navigation", "next/cache", "next/headers"].map((name) => ({
            name,
            message: "Domain code does not use Next's request APIs: throw a lib/errors error, the HTTP layer maps it.",
          })),
          patterns: [{ group: ["@/lib/http/*"], message: "Domain code does not import the HTTP layer (parse input with lib/validation)." }],
        },
      ],
    },
  },
  {
    // The proxy runs before every matched request: pure modules only (no database, no server-only code).
    files: ["proxy.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "@/lib/access", message: "Import the pure rules from @/lib/access/policy." },
            { name: "@/lib/db", message: "The proxy does not query the database." },
          ],
        },
      ],
    },
  },
];

export default config;
