import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { nagAcknowledgements } from "@/infra/nag";
import { build, generateKey, logicalIdOf, resourcesOf, synth, type Synthesised, WITH_DOMAINS } from "./support";

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown; Sid?: string };

let plain: Synthesised;

beforeAll(() => {
  // The default configuration, with its Docker context staged as `cdk synth` does, and two keys
  // (RSA and ECDSA) whose private halves must appear nowhere.
  plain = synth({ activeKey: "cf-ec" }, [generateKey("cf-rsa", "rsa"), generateKey("cf-ec")], { stageAssets: true });
});

/** Inline statements of every IAM policy and role, by the logical id of the role they attach to. */
function statementsByRole(s: Synthesised): Record<string, Statement[]> {
  const out: Record<string, Statement[]> = {};
  for (const [id, r] of Object.entries(resourcesOf(s.template, "AWS::IAM::Policy"))) {
    const roles = (r.Properties.Roles as { Ref: string }[]).map((x) => x.Ref);
    for (const role of roles) out[role] = [...(out[role] ?? []), ...(r.Properties.PolicyDocument as { Statement: Statement[] }).Statement];
    expect(roles.length, id).toBeGreaterThan(0);
  }
  for (const [id, r] of Object.entries(resourcesOf(s.template, "AWS::IAM::Role"))) {
    for (const p of (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]) ?? []) out[id] = [...(out[id] ?? []), ...p.PolicyDocument.Statement];
  }
  return out;
}
const actions = (st: Statement) => (Array.isArray(st.Action) ? st.Action : [st.Action]);
const resources = (st: Statement) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]);
/** `<bucket ARN>/<suffix>` as the template writes it. */
const objects = (bucket: string, suffix: string) => ({ "Fn::Join": ["", [{ "Fn::GetAtt": [bucket, "Arn"] }, `/${suffix}`]] });

describe("IAM", () => {
  it("grants no s3:* and no wildcard action anywhere in the stack", () => {
    for (const [role, statements] of Object.entries(statementsByRole(plain))) {
      for (const st of statements) {
        for (const a of actions(st)) {
          expect(a, role).not.toBe("*");
          expect(a, role).not.toMatch(/^[a-z0-9-]+:\*$/);
        }
      }
    }
  });

  it("uses Resource \"*\" only for ecr:GetAuthorizationToken (which has no resource-level permission)", () => {
    for (const [role, statements] of Object.entries(statementsByRole(plain))) {
      for (const st of statements.filter((x) => resources(x).includes("*"))) expect(actions(st), role).toEqual(["ecr:GetAuthorizationToken"]);
    }
  });

  it("lets the app take uploads under sources/ (multipart videos at originals/), and copy, verify and delete media under courses/ and originals/", () => {
    const bucket = logicalIdOf(plain.template, "AWS::S3::Bucket", "MediaBucket");
    const role = logicalIdOf(plain.template, "AWS::IAM::Role", "ServicesAppTaskTaskRole");
    expect(statementsByRole(plain)[role]).toEqual([
      {
        Sid: "AppTakesUploads",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
        Resource: objects(bucket, "sources/*"),
      },
      {
        Sid: "AppWritesVerifiesAndDeletesMedia",
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        Resource: [objects(bucket, "courses/*"), objects(bucket, "originals/*")],
      },
      // Multipart videos are assembled at their original key (ADR 053): resuming lists their parts.
      { Sid: "AppTakesMultipartVideosAtOriginals", Effect: "Allow", Action: "s3:ListMultipartUploadParts", Resource: objects(bucket, "originals/*") },
      { Sid: "AppListsMediaFolders", Effect: "Allow", Action: "s3:ListBucket", Resource: { "Fn::GetAtt": [bucket, "Arn"] } },
    ]);
  });

  it("lets the worker read verified video originals (never what browsers upload) and write transcode outputs, nothing more", () => {
    const bucket = logicalIdOf(plain.template, "AWS::S3::Bucket", "MediaBucket");
    const role = logicalIdOf(plain.template, "AWS::IAM::Role", "ServicesWorkerTaskTaskRole");
    const statements = statementsByRole(plain)[role];
    expect(statements).toEqual([
      { Sid: "WorkerReadsVideoOriginals", Effect: "Allow", Action: "s3:GetObject", Resource: objects(bucket, "originals/*") },
      { Sid: "WorkerWritesTranscodeOutputs", Effect: "Allow", Action: "s3:PutObject", Resource: objects(bucket, "courses/*") },
      {
        Sid: "WorkerDeletesReplacedMedia",
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: [objects(bucket, "courses/*"), objects(bucket, "originals/*"), objects(bucket, "sources/*")],
      },
      // The scheduled purge of abandoned uploads aborts their multipart uploads (lib/assets removeAsset).
      {
        Sid: "WorkerAbortsAbandonedUploads",
        Effect: "Allow",
        Action: "s3:AbortMultipartUpload",
        Resource: [objects(bucket, "originals/*"), objects(bucket, "sources/*")],
      },
      {
        Sid: "WorkerListsLessonFolders",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: { "Fn::GetAtt": [bucket, "Arn"] },
        Condition: { StringLike: { "s3:prefix": ["courses/*"] } },
      },
    ]);
    const reads = statements.filter((st) => actions(st).includes("s3:GetObject"));
    expect(JSON.stringify(reads)).not.toContain("sources/");
  });

  it("lets only the app's execution role read the signing-key and session secrets", () => {
    const roles = statementsByRole(plain);
    const reads = (role: string) =>
      JSON.stringify(roles[logicalIdOf(plain.template, "AWS::IAM::Role", role)].filter((st) => actions(st).includes("secretsmanager:GetSecretValue")));
    expect(reads("ServicesAppTaskExecutionRole")).toContain("cloudfront-private-keys-??????");
    expect(reads("ServicesAppTaskExecutionRole")).toContain("SecretsNextAuthSecret");
    expect(reads("ServicesWorkerTaskExecutionRole")).not.toContain("cloudfront-private-keys");
    expect(reads("ServicesWorkerTaskExecutionRole")).not.toContain("SecretsNextAuthSecret");
  });
});

describe("secrets", () => {
  it("never puts a private key or a secret value in the template or anything synthesised", () => {
    const files = execFileSync("find", [plain.outdir, "-type", "f", "-size", "-2M"], { encoding: "utf8" }).trim().split("\n");
    const everything = [plain.json, ...files.map((f) => fs.readFileSync(f, "utf8"))].join("\n");
    expect(/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(everything)).toBe(false);
    for (const k of plain.keys) {
      const body = k.privatePem.split("\n").slice(1, -2).join("");
      expect(body.length).toBeGreaterThan(40);
      for (const line of k.privatePem.split("\n").slice(1, -2)) expect(everything.includes(line), `a line of ${k.name}'s private key`).toBe(false);
    }
    // The only secret-looking properties are generators and references.
    for (const property of ['"SecretString":', '"Name":"PGPASSWORD","Value"', '"Name":"NEXTAUTH_SECRET","Value"']) {
      expect(plain.json.includes(property), property).toBe(false);
    }
    // The database credentials are CloudFormation dynamic references, resolved at deploy time.
    const dbSecret = logicalIdOf(plain.template, "AWS::SecretsManager::Secret", "LumenAcademyDatabaseInstanceSecret");
    const resolve = (field: string) => ({ "Fn::Join": ["", ["{{resolve:secretsmanager:", { Ref: dbSecret }, `:SecretString:${field}::}}`]] });
    plain.template.hasResourceProperties("AWS::RDS::DBInstance", { MasterUsername: "lumen_admin", MasterUserPassword: resolve("password") });
  });
});

describe("cdk-nag (AWS Solutions)", () => {
  const violations = (s: Synthesised) =>
    new AwsSolutionsChecks().validateScope(s.stack).violations.map((v) => `${v.severity} ${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(",")}`);

  it("reports no unacknowledged error or warning for the default configuration", () => {
    expect(violations(plain)).toEqual([]);
  });

  it("reports none for a production configuration either (domains, TLS 1.2, multi-AZ)", () => {
    expect(violations(synth({ ...WITH_DOMAINS, dbMultiAz: "true" }))).toEqual([]);
  });

  it("fails the synth on an unacknowledged finding (the nag pack runs as a validation plugin)", () => {
    const { app } = build({}, [generateKey("cf-1")], { acknowledgeNagFindings: false });
    expect(() => app.synth()).toThrow(/AwsSolutions-ECS2/);
  });

  it("acknowledges each finding on its own construct with a specific reason, and only findings that exist", () => {
    const reasons = new Set<string>();
    for (const context of [{}, { ...WITH_DOMAINS, dbMultiAz: "true" }, { deletionProtection: "false" }]) {
      const { app, stack, config } = build(context, [generateKey("cf-1")], { acknowledgeNagFindings: false });
      expect(() => app.synth()).toThrow(/AwsSolutions-/);
      const findings = new AwsSolutionsChecks().validateScope(stack).violations.flatMap((v) =>
        v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? "" })),
      );
      const acks = nagAcknowledgements(stack, config);
      const covers = (a: (typeof acks)[number], f: (typeof findings)[number]) =>
        a.id === f.rule && (f.path === a.scope.node.path || f.path.startsWith(`${a.scope.node.path}/`));
      for (const f of findings) expect(acks.some((a) => covers(a, f)), `unacknowledged ${f.rule} at ${f.path}`).toBe(true);
      for (const a of acks) {
        expect(findings.some((f) => covers(a, f)), `stale acknowledgement ${a.id} on ${a.scope.node.path}`).toBe(true);
        expect(a.reason.length, a.id).toBeGreaterThanOrEqual(80);
        expect(a.reason).not.toMatch(/\b(todo|tbd|n\/a|suppress(ed)?|ignore)\b/i);
        reasons.add(`${a.id} ${a.reason}`);
      }
    }
    // Conditional ones showed up in the configurations that need them.
    const ids = [...reasons].map((r) => r.split(" ")[0]);
    for (const id of ["AwsSolutions-CFR4", "AwsSolutions-RDS3", "AwsSolutions-RDS10", "AwsSolutions-EC23", "AwsSolutions-ECS2"]) expect(ids).toContain(id);
  });
});

describe("container image asset", () => {
  it("stages a small build context: no node_modules, .next, var, keys, env files or infra/", () => {
    const assets = fs.readdirSync(plain.outdir).filter((f) => f.startsWith("asset.") && fs.statSync(path.join(plain.outdir, f)).isDirectory());
    const contexts = assets.filter((a) => fs.existsSync(path.join(plain.outdir, a, "Dockerfile")));
    expect(contexts).toHaveLength(2); // app and worker targets
    for (const a of contexts) {
      const dir = path.join(plain.outdir, a);
      for (const banned of ["node_modules", ".next", "var", "infra", "tests", ".git", ".env.local", "lib/generated"]) {
        expect(fs.existsSync(path.join(dir, banned)), `${a}/${banned}`).toBe(false);
      }
      expect(fs.existsSync(path.join(dir, "package-lock.json"))).toBe(true);
      expect(fs.existsSync(path.join(dir, "worker", "main.ts"))).toBe(true);
    }
    const kb = Number(execFileSync("du", ["-sk", plain.outdir], { encoding: "utf8" }).split("\t")[0]);
    expect(kb).toBeLessThan(10 * 1024);
  });
});
