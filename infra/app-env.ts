import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { LumenConfig } from "./config";

/**
 * The one mapping from the app's environment variables (lib/env.ts, worker/main.ts) to stack
 * values. The container definitions and the stack outputs (one per variable, named after it)
 * are both generated from this list, so adjusting a variable here adjusts both.
 *
 * Secret values never appear here as text: they are Secrets Manager references that ECS
 * resolves when a task starts.
 */
export type Process = "app" | "worker" | "migrate";

export type EnvValue =
  | { readonly kind: "plain"; readonly value: string }
  | { readonly kind: "secret"; readonly secret: ISecret; readonly field?: string }
  | { readonly kind: "unset"; readonly why: string };

export interface AppEnvVar {
  readonly name: string;
  /** The processes (containers) that receive it. */
  readonly processes: readonly Process[];
  readonly value: EnvValue;
}

export interface AppEnvInputs {
  readonly config: LumenConfig;
  /** https://appDomain, or http://<load balancer DNS name> without an app domain. */
  readonly appUrl: string;
  /** https://mediaDomain, or https://<distribution>.cloudfront.net. */
  readonly mediaBaseUrl: string;
  /** The CloudFront public key id of the active key (the PublicKey resource's id). */
  readonly keyPairId: string;
  readonly bucketName: string;
  readonly db: { readonly host: string; readonly port: string; readonly name: string; readonly secret: ISecret };
  readonly nextAuthSecret: ISecret;
  /** JSON secret {keyName: private key PEM}; the field of the active key is injected. */
  readonly privateKeySecret: ISecret;
}

const APP: readonly Process[] = ["app"];
const STORAGE_USERS: readonly Process[] = ["app", "worker"];
const DB_USERS: readonly Process[] = ["app", "worker", "migrate"];

const plain = (name: string, value: string, processes: readonly Process[]): AppEnvVar => ({ name, processes, value: { kind: "plain", value } });
const secret = (name: string, s: ISecret, field: string | undefined, processes: readonly Process[]): AppEnvVar => ({
  name,
  processes,
  value: { kind: "secret", secret: s, field },
});
const unset = (name: string, why: string): AppEnvVar => ({ name, processes: [], value: { kind: "unset", why } });

export function appEnvironment(i: AppEnvInputs): AppEnvVar[] {
  const c = i.config;
  return [
    plain("APP_ENV", "aws", DB_USERS),
    plain("NEXTAUTH_URL", i.appUrl, APP),
    secret("NEXTAUTH_SECRET", i.nextAuthSecret, undefined, APP),
    plain("TRUST_PROXY_HOPS", "1", APP), // the load balancer
    plain("MEDIA_DELIVERY", "cloudfront", APP),
    plain("MEDIA_BASE_URL", i.mediaBaseUrl, APP),
    c.mediaCookieDomain
      ? plain("MEDIA_COOKIE_DOMAIN", c.mediaCookieDomain, APP)
      : unset("MEDIA_COOKIE_DOMAIN", "no media alternate domain: cookies cannot be shared with *.cloudfront.net"),
    // Without a shared parent domain the browser cannot send signed cookies to the CDN: the
    // player then gets one policy query on every playlist URI instead.
    plain("MEDIA_HLS_AUTH", c.mediaCookieDomain ? "cookies" : "query", APP),
    plain("CLOUDFRONT_KEY_PAIR_ID", i.keyPairId, APP),
    secret("CLOUDFRONT_PRIVATE_KEY", i.privateKeySecret, c.activeKey.name, APP),
    unset("CLOUDFRONT_EXTRA_KEYS", "on AWS the key group trusts the older keys; the app signs with the active key only"),
    plain("CLOUDFRONT_HASH_ALGORITHM", c.hashAlgorithm, APP),
    plain("S3_BUCKET", i.bucketName, STORAGE_USERS),
    plain("S3_REGION", c.region, STORAGE_USERS),
    plain("PGHOST", i.db.host, DB_USERS),
    plain("PGPORT", i.db.port, DB_USERS),
    plain("PGDATABASE", i.db.name, DB_USERS),
    secret("PGUSER", i.db.secret, "username", DB_USERS),
    secret("PGPASSWORD", i.db.secret, "password", DB_USERS),
    // RDS for PostgreSQL ≥ 15 refuses unencrypted connections; the image trusts the RDS CA bundle.
    plain("PGSSLMODE", "verify-full", DB_USERS),
    plain("WORKER_HEALTH_PORT", String(c.workerHealthPort), ["worker"]),
  ];
}

/** Output logical ids are alphanumeric: NEXTAUTH_URL → NEXTAUTHURL (the description keeps the name). */
export function outputId(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, "");
}

/** What ECS's `valueFrom` points at: the secret ARN, then the JSON field when there is one. */
export function secretReference(secretArn: string, field: string | undefined): string {
  return field ? `${secretArn}:${field}::` : secretArn;
}
