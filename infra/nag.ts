import { type CfnResource, Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { LumenConfig } from "./config";
import type { LumenStack } from "./stacks/lumen-stack";

/**
 * Every cdk-nag (AWS Solutions) finding this stack accepts, in one list, each on the narrowest
 * construct and with its reason. cdk-nag v3 reads them through CDK's
 * `Validations.of(construct).acknowledge()` (v2's `NagSuppressions` no longer exists).
 * Conditional entries exist only for the configurations that produce the finding; the tests
 * check that each one matches a real finding and that nothing else is reported.
 */
export interface NagAcknowledgement {
  readonly scope: IConstruct;
  readonly id: string;
  readonly reason: string;
}

function logicalId(scope: IConstruct): string {
  return Stack.of(scope).getLogicalId(scope.node.defaultChild as CfnResource);
}

export function nagAcknowledgements(stack: LumenStack, config: LumenConfig): NagAcknowledgement[] {
  const bucket = logicalId(stack.media.bucket);
  const appTask = stack.services.app.taskDefinition;
  const workerTask = stack.services.worker.taskDefinition;
  const prefixWildcards = (who: string, scope: IConstruct, prefixes: string[]): NagAcknowledgement[] =>
    prefixes.map((p) => ({
      scope,
      id: `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${p}/*]`,
      reason: `Object ARNs of one key prefix: the ${who} works on objects under ${p}/, whose keys are made of ids (ADR 027); the statement names its actions (no s3:*) and this bucket only.`,
    }));
  const acks: NagAcknowledgement[] = [
    {
      scope: stack.loadBalancer.alb.connections.securityGroups[0],
      id: "AwsSolutions-EC23",
      reason: "Internet-facing load balancer of a public web site: only ports 80 (a redirect to HTTPS when a certificate is configured) and 443 are open; the app tasks accept traffic from this security group only.",
    },
    {
      scope: stack.cdn.distribution,
      id: "AwsSolutions-CFR1",
      reason: "Courses are offered worldwide; who may fetch course media is decided per viewer by signed URLs and cookies, not by country.",
    },
    {
      scope: stack.cdn.distribution,
      id: "AwsSolutions-CFR2",
      reason: "No web ACL: every course-media request must carry a CloudFront signature verified at the edge before S3 is reached, and public/ serves static marketing images only; a WAF (fixed monthly and per-request fees) can be attached when abuse shows up.",
    },
    {
      // The generated secret itself (instance.secret is its attachment to the instance).
      scope: stack.database.instance.node.findChild("Secret"),
      id: "AwsSolutions-SMG4",
      reason: "ECS reads the database password when a task starts, so a scheduled rotation would break new connections of running tasks; docs/deploy.md rotates it by hand followed by a forced deployment.",
    },
    {
      scope: stack.secrets.nextAuthSecret,
      id: "AwsSolutions-SMG4",
      reason: "Rotating NEXTAUTH_SECRET invalidates every session (all users signed out); it is rotated deliberately (docs/deploy.md), not on a schedule.",
    },
    {
      scope: stack.database.instance,
      id: "AwsSolutions-RDS11",
      reason: "The database is in isolated subnets and admits the app and worker security groups only; a non-default port adds no protection (PGPORT carries the port either way).",
    },
    ...prefixWildcards("app", appTask.taskRole, ["courses", "originals", "sources"]),
    ...prefixWildcards("worker", workerTask.taskRole, ["courses", "originals", "sources"]),
  ];
  for (const [who, task] of [["app", appTask], ["worker", workerTask]] as const) {
    acks.push(
      {
        scope: task,
        id: "AwsSolutions-ECS2",
        reason: `The ${who} container's plain environment is non-secret configuration (URLs, bucket name, database host, key id, see infra/app-env.ts); every secret is injected from Secrets Manager through 'secrets'.`,
      },
      {
        scope: task.obtainExecutionRole(),
        id: "AwsSolutions-IAM5[Resource::*]",
        reason: `ECS's execution role of the ${who} task (not the application's role): ecr:GetAuthorizationToken supports no resource-level permission, AWS requires Resource "*" for it; its other statements name the image repository, log group and secrets.`,
      },
    );
  }
  if (!config.mediaDomain) {
    acks.push({
      scope: stack.cdn.distribution,
      id: "AwsSolutions-CFR4",
      reason: "Without an alternate domain the distribution uses the *.cloudfront.net certificate, whose security policy CloudFront fixes (TLSv1); configure mediaDomain and mediaCertificateArn to enforce TLSv1.2_2021.",
    });
  }
  if (!config.dbMultiAz) {
    acks.push({
      scope: stack.database.instance,
      id: "AwsSolutions-RDS3",
      reason: "Single-AZ by configuration (dbMultiAz=false) to halve the database cost of a small deployment; automated backups allow a point-in-time restore. Set dbMultiAz=true for a standby in a second AZ.",
    });
  }
  if (!config.deletionProtection) {
    acks.push({
      scope: stack.database.instance,
      id: "AwsSolutions-RDS10",
      reason: "Deletion protection turned off by configuration (deletionProtection=false) for a throwaway environment; deleting the stack still leaves a final snapshot.",
    });
  }
  return acks;
}

export function acknowledgeFindings(stack: LumenStack, config: LumenConfig): void {
  for (const a of nagAcknowledgements(stack, config)) Validations.of(a.scope).acknowledge({ id: a.id, reason: a.reason });
}
