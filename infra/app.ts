import fs from "node:fs";
import path from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { type LumenConfig, loadConfig } from "./config";
import { LumenStack } from "./stacks/lumen-stack";

/** The repository root: the nearest folder above `from` that holds infra/cdk.json. */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, "infra", "cdk.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no infra/cdk.json above ${from}`);
    dir = parent;
  }
}

/** infra/cdk.json's context block: feature flags and the deployment's settings. */
export function cdkJsonContext(repoRoot: string): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(path.join(repoRoot, "infra", "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return json.context ?? {};
}

export interface CreateAppOptions {
  /** Context on top of cdk.json's (the CDK CLI adds `-c` values itself). */
  readonly context?: Record<string, unknown>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly outdir?: string;
  readonly repoRoot?: string;
  /** Default true; false leaves cdk-nag findings unacknowledged (tests only). */
  readonly acknowledgeNagFindings?: boolean;
}

/**
 * Builds the CDK app: configuration, the stack, and cdk-nag's AWS Solutions rules as a
 * validation plugin (an unacknowledged finding fails the synth). Used by bin/app.ts and the tests.
 */
export function createApp(options: CreateAppOptions = {}): { app: App; stack: LumenStack; config: LumenConfig } {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const app = new App({ outdir: options.outdir, context: { ...cdkJsonContext(repoRoot), ...options.context } });
  const config = loadConfig({ context: (k) => app.node.tryGetContext(k), env: options.env ?? process.env, repoRoot });
  const stack = new LumenStack(app, config.stackName, {
    config,
    acknowledgeNagFindings: options.acknowledgeNagFindings,
    // Region only: no account, so synthesis never looks anything up (AZs resolve at deploy time).
    env: { region: config.region },
    description: "Lumen Academy: media bucket, CloudFront with signed URLs/cookies, PostgreSQL, app and worker on ECS Fargate",
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, config };
}
