import path from "node:path";
import { z } from "zod";
import { readPublicKeyDir, resolveKeyRing, type PublicKeyFile } from "./keys";

/**
 * The stack's configuration, in one place: every setting is read from CDK context
 * (`-c appDomain=learn.example.com`, or the `context` block of infra/cdk.json) or else from the
 * environment (`LUMEN_APP_DOMAIN=...`: the key in upper snake case with a `LUMEN_` prefix), or
 * falls back to the default below. `loadConfig` validates everything before any resource is
 * created, so a typo fails the synth with the setting's name instead of a half-built template.
 */

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a lower-case DNS name such as learn.example.com");
const acmArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, "an ACM certificate ARN");
const bool = z.union([z.boolean(), z.stringbool()]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));
const pemMap = z
  .union([z.record(z.string(), z.string()), z.string()])
  .transform((v) => (typeof v === "string" ? (JSON.parse(v) as Record<string, string>) : v))
  .pipe(z.record(z.string(), z.string()));

/** CloudWatch Logs accepts these retention periods only. */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export const settingsSchema = z.object({
  /** CloudFormation stack name; also prefixes resource names. */
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,40}$/).default("LumenAcademy"),
  /** Region of everything but the media certificate (CloudFront wants that one in us-east-1). */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/).optional(),
  /** Explicit AZs (e.g. eu-west-1a,eu-west-1b); default: the region's first `maxAzs` at deploy time. */
  availabilityZones: list.optional(),
  maxAzs: int(2, 3).default(2),
  /** NAT gateways for the private subnets (tasks pull images and reach AWS APIs through them). */
  natGateways: int(1, 3).default(1),

  /** The app's public host name, e.g. learn.example.com (needs appCertificateArn). */
  appDomain: hostname.optional(),
  /** ACM certificate for appDomain, in the stack's region (the ALB's HTTPS listener). */
  appCertificateArn: acmArn.optional(),
  /** The CDN's alternate domain, e.g. media.example.com (needs mediaCertificateArn). */
  mediaDomain: hostname.optional(),
  /** ACM certificate for mediaDomain, in us-east-1. */
  mediaCertificateArn: acmArn.optional(),
  /** Cookie domain shared by app and CDN; derived from the two domains when unset. */
  mediaCookieDomain: hostname.optional(),
  /** CloudFront price class: 100 (North America, Europe), 200, or all edge locations. */
  priceClass: z.enum(["100", "200", "all"]).default("100"),

  /** Folder of `<name>.pub.pem` files, relative to the repository root. */
  keysDir: z.string().default("infra/keys"),
  /** Extra public keys as a JSON object {name: PEM} (CI, or no key files). */
  publicKeys: pemMap.default({}),
  /** Name of the key the app signs with (the file name without .pub.pem); needed with 2+ keys. */
  activeKey: z.string().optional(),
  hashAlgorithm: z.enum(["SHA1", "SHA256"]).default("SHA1"),
  /** Secrets Manager secret (JSON {keyName: private PEM}) the operator creates before deploying. */
  privateKeySecretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,500}$/).default("lumen-academy/cloudfront-private-keys"),

  dbInstanceType: z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/).default("t4g.micro"),
  dbAllocatedStorageGiB: int(20, 65536).default(20),
  dbMaxAllocatedStorageGiB: int(20, 65536).default(100),
  dbMultiAz: bool.default(false),
  dbBackupRetentionDays: int(1, 35).default(7),
  /** RDS deletion protection (and a final snapshot on stack deletion either way). */
  deletionProtection: bool.default(true),

  appCpu: z.coerce.number().default(512),
  appMemoryMiB: z.coerce.number().default(1024),
  appMinTasks: int(1, 100).default(1),
  appMaxTasks: int(1, 100).default(4),
  workerCpu: z.coerce.number().default(2048),
  workerMemoryMiB: z.coerce.number().default(4096),
  workerMinTasks: int(1, 100).default(1),
  workerMaxTasks: int(1, 100).default(3),
  /** Fargate task disk for the worker (the source video and the HLS ladder being built). */
  workerEphemeralStorageGiB: int(21, 200).default(50),
  workerHealthPort: int(1024, 65535).default(8081),

  logRetentionDays: z.coerce.number().refine((d) => RETENTION_DAYS.includes(d), `one of ${RETENTION_DAYS.join(", ")}`).default(30),
  /** Days CloudFront, ALB, S3 and VPC flow logs are kept in the log bucket. */
  accessLogDays: int(1, 3650).default(90),
  /** Lifecycle: incomplete multipart uploads are aborted after this many days. */
  abortIncompleteUploadDays: int(1, 365).default(3),
  /** Lifecycle: deleted or replaced objects (noncurrent versions) are kept this long. */
  noncurrentVersionDays: int(1, 3650).default(30),
  /** Lifecycle: the same for deleted upload objects under sources/ and video originals under originals/ (bulky, never served). */
  sourcesNoncurrentDays: int(1, 3650).default(7),
  /**
   * Lifecycle: current objects under sources/ expire after this many days. An upload can be
   * finished up to 24 h after it starts (then the app copies and deletes it), so at least 2.
   */
  uploadSourceDays: int(2, 365).default(2),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Valid Fargate CPU (units) → memory (MiB) combinations. */
const FARGATE_MEMORY: Record<number, [number, number, number]> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

function checkFargateSize(label: string, cpu: number, memory: number): void {
  const range = FARGATE_MEMORY[cpu];
  if (!range) throw new Error(`${label}Cpu ${cpu}: Fargate takes ${Object.keys(FARGATE_MEMORY).join(", ")}`);
  const [lo, hi, step] = range;
  if (memory < lo || memory > hi || (memory - lo) % step !== 0 || (cpu === 256 && memory === 1536)) {
    throw new Error(`${label}MemoryMiB ${memory}: with ${cpu} CPU units Fargate takes ${lo}-${hi} MiB in steps of ${step}`);
  }
}

export interface LumenConfig extends Omit<Settings, "region" | "publicKeys" | "activeKey" | "keysDir" | "mediaCookieDomain"> {
  readonly region: string;
  readonly repoRoot: string;
  readonly keys: PublicKeyFile[];
  readonly activeKey: PublicKeyFile;
  /** Parent domain for signed cookies; undefined without a media alternate domain. */
  readonly mediaCookieDomain?: string;
}

export interface ConfigSources {
  /** CDK context lookup (app.node.tryGetContext). */
  readonly context: (key: string) => unknown;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of the repository (keysDir and the Docker build context are relative to it). */
  readonly repoRoot: string;
}

/** `appDomain` → `LUMEN_APP_DOMAIN`. */
export function envName(key: string): string {
  return `LUMEN_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The common parent of two host names (learn.example.com + media.example.com → example.com). */
export function sharedParentDomain(a: string, b: string): string | undefined {
  const x = a.split(".").reverse();
  const y = b.split(".").reverse();
  const common: string[] = [];
  for (let i = 0; i < Math.min(x.length, y.length) && x[i] === y[i]; i++) common.push(x[i]);
  return common.length >= 2 ? common.reverse().join(".") : undefined;
}

export function loadConfig(sources: ConfigSources): LumenConfig {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(settingsSchema.shape)) {
    const fromContext = sources.context(key);
    const fromEnv = sources.env[envName(key)];
    const value = fromContext ?? (fromEnv === "" ? undefined : fromEnv);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")} (${envName(String(i.path[0]))}): ${i.message}`);
    throw new Error(`Invalid infra configuration:\n${lines.join("\n")}`);
  }
  const s = parsed.data;

  if (Boolean(s.appDomain) !== Boolean(s.appCertificateArn)) throw new Error("appDomain and appCertificateArn go together (HTTPS on the load balancer)");
  if (Boolean(s.mediaDomain) !== Boolean(s.mediaCertificateArn)) throw new Error("mediaDomain and mediaCertificateArn go together");
  if (s.mediaCertificateArn && !s.mediaCertificateArn.includes(":us-east-1:")) throw new Error("mediaCertificateArn: CloudFront needs a certificate in us-east-1");
  const region = s.region ?? sources.env.CDK_DEFAULT_REGION ?? "eu-west-1";
  if (s.appCertificateArn && !s.appCertificateArn.includes(`:${region}:`)) throw new Error(`appCertificateArn: the load balancer needs a certificate in ${region}`);
  if (s.availabilityZones && s.availabilityZones.some((az) => !az.startsWith(region))) throw new Error(`availabilityZones must be in ${region}`);
  checkFargateSize("app", s.appCpu, s.appMemoryMiB);
  checkFargateSize("worker", s.workerCpu, s.workerMemoryMiB);
  if (s.appMinTasks > s.appMaxTasks) throw new Error("appMinTasks > appMaxTasks");
  if (s.workerMinTasks > s.workerMaxTasks) throw new Error("workerMinTasks > workerMaxTasks");
  if (s.dbMaxAllocatedStorageGiB < s.dbAllocatedStorageGiB) throw new Error("dbMaxAllocatedStorageGiB < dbAllocatedStorageGiB");

  let mediaCookieDomain: string | undefined;
  if (s.mediaDomain) {
    mediaCookieDomain = s.mediaCookieDomain ?? (s.appDomain ? sharedParentDomain(s.appDomain, s.mediaDomain) : undefined);
    if (!mediaCookieDomain) throw new Error("mediaCookieDomain: app and media domains share no parent domain; set it explicitly");
    if (s.mediaDomain !== mediaCookieDomain && !s.mediaDomain.endsWith(`.${mediaCookieDomain}`)) throw new Error("mediaCookieDomain must be a parent of mediaDomain");
    if (s.appDomain && s.appDomain !== mediaCookieDomain && !s.appDomain.endsWith(`.${mediaCookieDomain}`)) throw new Error("mediaCookieDomain must be a parent of appDomain");
  }

  const keysDir = path.resolve(sources.repoRoot, s.keysDir);
  const { keys, active } = resolveKeyRing(readPublicKeyDir(keysDir), s.publicKeys, s.activeKey, path.relative(sources.repoRoot, keysDir) || ".");
  const { publicKeys: _p, activeKey: _a, keysDir: _k, mediaCookieDomain: _m, region: _r, ...rest } = s;
  return { ...rest, region, repoRoot: sources.repoRoot, keys, activeKey: active, mediaCookieDomain };
}
