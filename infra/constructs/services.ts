import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { AppEnvVar, Process } from "../app-env";
import type { LumenConfig } from "../config";
import type { Database } from "./database";
import type { AppLoadBalancer } from "./load-balancer";
import { grantAppMediaAccess, grantWorkerMediaAccess } from "./media-access";

export interface ServicesProps {
  readonly config: LumenConfig;
  readonly vpc: ec2.IVpc;
  readonly loadBalancer: AppLoadBalancer;
  readonly database: Database;
  readonly bucket: s3.IBucket;
  readonly environment: readonly AppEnvVar[];
}

export const APP_PORT = 3000;
export const APP_HEALTH_PATH = "/api/health";

/** The environment and the Secrets Manager references one container gets from the mapping (app-env.ts). */
export function containerEnvironment(vars: readonly AppEnvVar[], process: Process) {
  const environment: Record<string, string> = {};
  const secrets: Record<string, ecs.Secret> = {};
  for (const v of vars) {
    if (!v.processes.includes(process)) continue;
    if (v.value.kind === "plain") environment[v.name] = v.value.value;
    else if (v.value.kind === "secret") secrets[v.name] = ecs.Secret.fromSecretsManager(v.value.secret, v.value.field);
  }
  return { environment, secrets };
}

/**
 * ECS on Fargate (docs/decisions/040-containers-ecs-fargate.md): one cluster, two services built
 * from the repository's Dockerfile.
 * - app: `server/main.ts` (Next behind our HTTP server) behind the load balancer; each task first runs `prisma migrate deploy`
 *   in a non-essential `migrate` container and the app container starts only when it exited 0;
 *   scales on CPU and on requests per target.
 * - worker: the transcoding worker (ffmpeg), no inbound traffic, container health check on
 *   WORKER_HEALTH_PORT, two minutes to finish or hand back its job on SIGTERM; scales on CPU.
 */
export class Services extends Construct {
  readonly cluster: ecs.Cluster;
  readonly app: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly appLogGroup: logs.LogGroup;
  readonly workerLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServicesProps) {
    super(scope, id);
    const c = props.config;
    this.cluster = new ecs.Cluster(this, "Cluster", { vpc: props.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const image = (target: "app" | "worker") =>
      ecs.ContainerImage.fromAsset(c.repoRoot, { file: "Dockerfile", target, platform: Platform.LINUX_AMD64 });
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, { retention: c.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.appLogGroup = logGroup("App");
    this.workerLogGroup = logGroup("Worker");
    const taskDefinition = (name: string, cpu: number, memoryLimitMiB: number, ephemeralStorageGiB?: number) =>
      new ecs.FargateTaskDefinition(this, `${name}Task`, {
        cpu,
        memoryLimitMiB,
        ephemeralStorageGiB,
        runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      });
    const service = (name: string, task: ecs.FargateTaskDefinition, desiredCount: number, description: string, healthCheckGracePeriod?: Duration) => {
      const securityGroup = new ec2.SecurityGroup(this, `${name}SecurityGroup`, { vpc: props.vpc, description, allowAllOutbound: true });
      props.database.allowFrom(securityGroup, `PostgreSQL from the ${name.toLowerCase()} tasks`);
      return new ecs.FargateService(this, `${name}Service`, {
        cluster: this.cluster,
        taskDefinition: task,
        desiredCount,
        securityGroups: [securityGroup],
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        assignPublicIp: false,
        circuitBreaker: { enable: true, rollback: true },
        minHealthyPercent: 100,
        maxHealthyPercent: 200,
        propagateTags: ecs.PropagatedTagSource.SERVICE,
        healthCheckGracePeriod,
      });
    };

    // ---- app (+ migrations) ----
    const appTask = taskDefinition("App", c.appCpu, c.appMemoryMiB);
    const appImage = image("app");
    const migrate = appTask.addContainer("migrate", {
      image: appImage,
      command: ["node_modules/.bin/prisma", "migrate", "deploy"],
      essential: false,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "migrate", logGroup: this.appLogGroup }),
      ...containerEnvironment(props.environment, "migrate"),
    });
    const appContainer = appTask.addContainer("app", {
      image: appImage,
      essential: true,
      portMappings: [{ containerPort: APP_PORT }],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "app", logGroup: this.appLogGroup }),
      stopTimeout: Duration.seconds(30),
      ...containerEnvironment(props.environment, "app"),
    });
    appContainer.addContainerDependencies({ container: migrate, condition: ecs.ContainerDependencyCondition.SUCCESS });
    grantAppMediaAccess(appTask.taskRole, props.bucket);
    // The grace period covers the migrations that run before the app starts (raise it for a long one).
    this.app = service("App", appTask, c.appMinTasks, "App tasks: port 3000 from the load balancer only", Duration.minutes(3));
    const targetGroup = props.loadBalancer.listener.addTargets("App", {
      port: APP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.app],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        path: APP_HEALTH_PATH,
        healthyHttpCodes: "200",
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    const appScaling = this.app.autoScaleTaskCount({ minCapacity: c.appMinTasks, maxCapacity: c.appMaxTasks });
    appScaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 60, scaleOutCooldown: Duration.minutes(1), scaleInCooldown: Duration.minutes(5) });
    appScaling.scaleOnRequestCount("Requests", { requestsPerTarget: 1000, targetGroup });

    // ---- worker ----
    const workerTask = taskDefinition("Worker", c.workerCpu, c.workerMemoryMiB, c.workerEphemeralStorageGiB);
    workerTask.addContainer("worker", {
      image: image("worker"),
      essential: true,
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: "worker", logGroup: this.workerLogGroup }),
      // Fargate's maximum: an interrupted transcode is handed back to the queue well within it.
      stopTimeout: Duration.seconds(120),
      healthCheck: {
        command: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${c.workerHealthPort}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      ...containerEnvironment(props.environment, "worker"),
    });
    grantWorkerMediaAccess(workerTask.taskRole, props.bucket);
    this.worker = service("Worker", workerTask, c.workerMinTasks, "Worker tasks: no inbound traffic");
    const workerScaling = this.worker.autoScaleTaskCount({ minCapacity: c.workerMinTasks, maxCapacity: c.workerMaxTasks });
    // A transcode keeps its task's CPU busy, so CPU is the queue's proxy (see ADR 040).
    workerScaling.scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 70, scaleOutCooldown: Duration.minutes(2), scaleInCooldown: Duration.minutes(15) });
  }
}
