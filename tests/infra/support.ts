import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll } from "vitest";
import { createApp } from "@/infra/app";
import type { LumenStack } from "@/infra/stacks/lumen-stack";

/**
 * Synthesises the stack offline for the infra tests: throwaway CloudFront keys generated now
 * (never committed), a temporary cdk.out, the real createApp (cdk-nag included: a finding that is
 * not acknowledged makes the synth throw).
 */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface TestKey {
  readonly name: string;
  readonly publicPem: string;
  readonly privatePem: string;
}

export function generateKey(name: string, type: "ec" | "rsa" = "ec"): TestKey {
  const { publicKey, privateKey } =
    type === "ec" ? generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    name,
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

const created: string[] = [];
// Registered in each test file that imports this module: its temporary keys and cdk.out go away.
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lumen-infra-${prefix}-`));
  created.push(dir);
  return dir;
}

/** A keys folder holding `<name>.pub.pem` for each key. */
export function keysDir(keys: readonly TestKey[]): string {
  const dir = tempDir("keys");
  for (const k of keys) fs.writeFileSync(path.join(dir, `${k.name}.pub.pem`), k.publicPem);
  return dir;
}

export const APP_CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
export const MEDIA_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000";

/** Production-like settings: app and media on sibling domains with certificates. */
export const WITH_DOMAINS = {
  region: "eu-west-1",
  appDomain: "learn.example.com",
  appCertificateArn: APP_CERT,
  mediaDomain: "media.example.com",
  mediaCertificateArn: MEDIA_CERT,
};

export interface Synthesised {
  readonly stack: LumenStack;
  readonly template: Template;
  /** The template as JSON text (for "never appears in the template" checks). */
  readonly json: string;
  readonly outdir: string;
  readonly keys: readonly TestKey[];
}

export interface SynthOptions {
  /** false: leave cdk-nag findings unacknowledged. */
  readonly acknowledgeNagFindings?: boolean;
  /** Copy the image build context into cdk.out as `cdk synth` does (slower; off by default). */
  readonly stageAssets?: boolean;
}

/** The CDK app and stack, not yet synthesised. */
export function build(context: Record<string, unknown>, keys: readonly TestKey[] = [generateKey("cf-1")], options: SynthOptions = {}) {
  const outdir = tempDir("cdkout");
  const built = createApp({
    context: {
      region: "eu-west-1",
      keysDir: keysDir(keys),
      // Staging changes no template byte, only whether the Docker context is copied.
      "aws:cdk:disable-asset-staging": !options.stageAssets,
      ...context,
    },
    env: {},
    outdir,
    repoRoot: REPO_ROOT,
    acknowledgeNagFindings: options.acknowledgeNagFindings,
  });
  return { ...built, outdir };
}

export function synth(context: Record<string, unknown>, keys: readonly TestKey[] = [generateKey("cf-1")], options: SynthOptions = {}): Synthesised {
  const { app, stack, outdir } = build(context, keys, options);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return { stack, template: Template.fromJSON(artifact.template), json: JSON.stringify(artifact.template), outdir, keys };
}

/** Every resource of one type, by logical id. */
export function resourcesOf(t: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return t.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

/** The one resource of a type whose logical id starts with `prefix`. */
export function logicalIdOf(t: Template, type: string, prefix: string): string {
  const ids = Object.keys(t.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${ids.join(", ") || "none"}`);
  return ids[0];
}
