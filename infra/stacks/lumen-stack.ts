import { CfnOutput, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { type AppEnvVar, appEnvironment, outputId, secretReference } from "../app-env";
import type { LumenConfig } from "../config";
import { AppSecrets } from "../constructs/app-secrets";
import { MediaCdn } from "../constructs/cdn";
import { Database } from "../constructs/database";
import { AppLoadBalancer } from "../constructs/load-balancer";
import { Network } from "../constructs/network";
import { Services } from "../constructs/services";
import { LogBuckets, MediaBucket } from "../constructs/storage";
import { acknowledgeFindings } from "../nag";

export interface LumenStackProps extends StackProps {
  readonly config: LumenConfig;
  /** false: leave cdk-nag findings unacknowledged (tests use it to check that none is stale). */
  readonly acknowledgeNagFindings?: boolean;
}

/**
 * Lumen Academy on AWS: network, buckets, CloudFront, PostgreSQL, secrets and the two container
 * services, wired together. Every app environment variable becomes a stack output named after it.
 */
export class LumenStack extends Stack {
  readonly network: Network;
  readonly logs: LogBuckets;
  readonly media: MediaBucket;
  readonly cdn: MediaCdn;
  readonly database: Database;
  readonly secrets: AppSecrets;
  readonly loadBalancer: AppLoadBalancer;
  readonly services: Services;
  readonly environmentVariables: readonly AppEnvVar[];

  constructor(scope: Construct, id: string, props: LumenStackProps) {
    super(scope, id, props);
    const config = props.config;
    Tags.of(this).add("project", "lumen-academy");

    this.logs = new LogBuckets(this, "Logs", { config });
    const network = (this.network = new Network(this, "Network", { config, logBucket: this.logs.access }));
    this.loadBalancer = new AppLoadBalancer(this, "LoadBalancer", { config, vpc: network.vpc, logBucket: this.logs.access });
    const appOrigin = this.loadBalancer.appUrl;
    this.media = new MediaBucket(this, "Media", { config, logBucket: this.logs.s3, appOrigin });
    this.cdn = new MediaCdn(this, "Cdn", { config, bucket: this.media.bucket, logBucket: this.logs.access, appOrigin });
    this.database = new Database(this, "Database", { config, vpc: network.vpc });
    this.secrets = new AppSecrets(this, "Secrets", { config });

    this.environmentVariables = appEnvironment({
      config,
      appUrl: this.loadBalancer.appUrl,
      mediaBaseUrl: this.cdn.baseUrl,
      keyPairId: this.cdn.activeKeyId,
      bucketName: this.media.bucket.bucketName,
      db: { host: this.database.host, port: this.database.port, name: this.database.name, secret: this.database.secret },
      nextAuthSecret: this.secrets.nextAuthSecret,
      privateKeySecret: this.secrets.cloudFrontPrivateKeys,
    });
    this.services = new Services(this, "Services", {
      config,
      vpc: network.vpc,
      loadBalancer: this.loadBalancer,
      database: this.database,
      bucket: this.media.bucket,
      environment: this.environmentVariables,
    });

    this.addOutputs(config);
    if (props.acknowledgeNagFindings !== false) acknowledgeFindings(this, config);
  }

  private addOutputs(config: LumenConfig): void {
    for (const v of this.environmentVariables) {
      if (v.value.kind === "unset") continue;
      const value = v.value.kind === "plain" ? v.value.value : secretReference(v.value.secret.secretArn, v.value.field);
      new CfnOutput(this, outputId(v.name), { value, description: v.name });
    }
    const out = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    out("AppLoadBalancerDns", this.loadBalancer.alb.loadBalancerDnsName, "point the app domain (CNAME/alias) here");
    out("MediaDistributionDomain", this.cdn.distribution.distributionDomainName, "point the media domain (CNAME) here");
    out("MediaDistributionId", this.cdn.distribution.distributionId, "CloudFront distribution id");
    out("KeyGroupId", this.cdn.keyGroup.keyGroupId, "trusted key group of the course-media behaviour");
    for (const [name, key] of this.cdn.publicKeys) {
      out(`PublicKeyId${outputId(name)}`, key.publicKeyId, `CloudFront public key id of key "${name}"${name === config.activeKey.name ? " (active)" : ""}`);
    }
    out("CloudFrontPrivateKeySecretName", config.privateKeySecretName, "Secrets Manager secret the operator fills: JSON {keyName: private key PEM}");
    out("DatabaseSecretArn", this.database.secret.secretArn, "RDS master credentials (username, password, host, port, dbname)");
    out("ClusterName", this.services.cluster.clusterName, "ECS cluster");
    out("AppServiceName", this.services.app.serviceName, "ECS service of the app");
    out("WorkerServiceName", this.services.worker.serviceName, "ECS service of the transcoding worker");
    // For one-off tasks (docs/deploy.md: aws ecs run-task with the app's task definition).
    out("AppTaskDefinitionArn", this.services.app.taskDefinition.taskDefinitionArn, "app task definition (one-off commands run with it)");
    out("PrivateSubnetIds", this.network.vpc.privateSubnets.map((sn) => sn.subnetId).join(","), "subnets of the tasks");
    out("AppSecurityGroupId", this.services.app.connections.securityGroups[0].securityGroupId, "security group of the app tasks");
    out("AppLogGroup", this.services.appLogGroup.logGroupName, "app and migration logs");
    out("WorkerLogGroup", this.services.workerLogGroup.logGroupName, "worker logs");
    out("AccessLogBucketName", this.logs.access.bucketName, "CloudFront (cloudfront/), load balancer (alb/) and VPC flow logs");
    out("S3AccessLogBucketName", this.logs.s3.bucketName, "server access logs of the media bucket");
  }
}
